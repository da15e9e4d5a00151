using System.IO.Compression;
using System.Text.RegularExpressions;
using Dipper.Device.Tests.Service;
using Dipper.Device.Tests.Yield;

namespace Dipper.Device.Tests.Status;

/// <summary>What the FASTQ.gz files under one output folder hold, read back from them: the known run the status page is checked against.</summary>
/// <param name="Reads">Reads written.</param>
/// <param name="Bases">Their bases: the yield.</param>
/// <param name="N50">Read-length N50, from every read's length.</param>
/// <param name="RunIds">The run ids of their headers, sorted.</param>
internal sealed partial record WrittenCalls(int Reads, long Bases, int N50, IReadOnlyList<string> RunIds)
{
    /// <summary>The calls in every FASTQ.gz under <paramref name="folder"/>.</summary>
    public static WrittenCalls In(string folder)
    {
        var files = Directory.GetFiles(folder, "*.fastq.gz", SearchOption.AllDirectories);
        var lengths = files.SelectMany(GzFastq.Read).Select(r => r.Bases.Length).ToList();
        var runIds = files.SelectMany(HeaderRunIds).Distinct().Order(StringComparer.Ordinal).ToList();
        return new WrittenCalls(lengths.Count, lengths.Sum(l => (long)l), ReadLengths.N50(lengths), runIds);
    }

    private static IEnumerable<string> HeaderRunIds(string path)
    {
        using var text = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var ids = new List<string>();
        for (var line = 0; text.ReadLine() is { } record; line++)
        {
            if (line % 4 == 0 && RunId().Match(record) is { Success: true } m) ids.Add(m.Groups[1].Value);
        }
        return ids;
    }

    [GeneratedRegex(@" runid=(\S+)")]
    private static partial Regex RunId();
}
