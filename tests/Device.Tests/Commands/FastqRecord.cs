namespace Dipper.Device.Tests.Commands;

/// <summary>One FASTQ record as written by dipperd.</summary>
internal sealed record FastqRecord(string ReadId, IReadOnlyDictionary<string, string> Fields, string Bases, string Qualities)
{
    /// <summary>Parses a whole FASTQ file, failing the test on any structural error.</summary>
    public static List<FastqRecord> ReadAll(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.True(lines.Length % 4 == 0, $"{path}: {lines.Length} lines is not a multiple of 4");
        var records = new List<FastqRecord>();
        for (var i = 0; i < lines.Length; i += 4)
        {
            Assert.StartsWith("@", lines[i]);
            Assert.Equal("+", lines[i + 2]);
            var parts = lines[i][1..].Split(' ');
            var fields = parts.Skip(1).Select(p => p.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            records.Add(new FastqRecord(parts[0], fields, lines[i + 1], lines[i + 3]));
        }
        return records;
    }
}
