using Dipper.Basecaller.Signal;

namespace Dipper.Device.Watching;

/// <summary>
/// Tells a finished signal file from one still being written or cut short: the file is read in full with
/// the same reader the pipeline uses. A POD5 without its footer, a BLOW5 without its end marker, a FAST5
/// whose HDF5 structures point past the end: each reader reports these as a <see cref="SignalFormatException"/>,
/// and only a file that reads to its end without one counts as complete. Costs one extra read of the file,
/// a small fraction of calling it.
/// </summary>
public static class SignalFileCheck
{
    /// <summary>The number of reads in a whole file.</summary>
    /// <exception cref="SignalFormatException">The file is damaged, truncated or still being written.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static async Task<int> CountReadsAsync(string path, CancellationToken cancellationToken)
    {
        await using var reader = SignalFile.Open(path);
        var reads = 0;
        await foreach (var _ in reader.ReadAllAsync(cancellationToken)) reads++;
        return reads;
    }
}
