using System.IO.Compression;

namespace Dipper.Device.Tests.Service;

/// <summary>Reads a FASTQ.gz written by the service, failing the test on any structural error.</summary>
internal static class GzFastq
{
    public static List<(string ReadId, string Bases)> Read(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var text = new StreamReader(gzip);
        var lines = text.ReadToEnd().Split('\n');
        Assert.True(lines[^1] == "", $"{path}: does not end with a newline");
        Assert.True((lines.Length - 1) % 4 == 0, $"{path}: {lines.Length - 1} lines is not a multiple of 4");
        var records = new List<(string, string)>();
        for (var i = 0; i + 3 < lines.Length; i += 4)
        {
            Assert.StartsWith("@", lines[i]);
            Assert.Equal("+", lines[i + 2]);
            Assert.Equal(lines[i + 1].Length, lines[i + 3].Length);
            records.Add((lines[i][1..].Split(' ')[0], lines[i + 1]));
        }
        return records;
    }
}
