using Dipper.Basecaller.Output;
using Dipper.Device.Journal;

namespace Dipper.Device.Service;

/// <summary>The reads of an output the service wrote, read back to journal an output whose commit was lost.</summary>
public static class OutputReads
{
    /// <summary>The reads of a whole output in <paramref name="format"/> (samples unknown: 0).</summary>
    /// <exception cref="InvalidDataException">Not a whole output (damaged or cut short).</exception>
    public static IReadOnlyList<ReadDone> Read(string path, OutputFormat format) => format switch
    {
        OutputFormat.Fastq => FastqSummary.Read(path),
        _ when format.IsHts() => HtsFileReads.Read(path).Select(r => new ReadDone(r.Name, 0, r.Bases)).ToList(),
        _ => throw new NotSupportedException($"the service does not write {format}"),
    };
}
