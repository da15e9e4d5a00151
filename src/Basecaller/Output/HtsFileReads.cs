using Dipper.Basecaller.Native;

namespace Dipper.Basecaller.Output;

/// <summary>Reads the read names and sequence lengths back from a SAM, BAM or CRAM file through htslib.</summary>
public static class HtsFileReads
{
    /// <summary>Each record's name and number of bases, in file order.</summary>
    /// <exception cref="InvalidDataException">htslib found the file damaged or cut short.</exception>
    /// <exception cref="IOException">The file could not be opened.</exception>
    public static IReadOnlyList<(string Name, int Bases)> Read(string path)
    {
        using var file = HtsFileHandle.Open(path, "r");
        using var header = SamHeaderHandle.Read(file, path);
        using var record = BamRecordHandle.Create();
        var reads = new List<(string, int)>();
        int status;
        while ((status = HtsNative.sam_read1(file, header, record)) >= 0) reads.Add((record.Name, record.SequenceLength));
        if (status < -1) throw new InvalidDataException($"{path}: record {reads.Count + 1} is damaged or cut short (htslib status {status})");
        return reads;
    }
}
