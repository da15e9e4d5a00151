using Dipper.Basecaller.Output;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// Keeps the called reads in memory instead of writing a file: labelling needs each read's signal, call and
/// CTC path together once the calls are aligned. Holds about 2 bytes per sample plus 5 per base, so a run of
/// 20 M samples takes about 50 MB.
/// </summary>
public sealed class CalledReadCollection : ICalledReadWriter
{
    private readonly List<CalledRead> _reads = [];

    /// <inheritdoc />
    public string Path => "(memory)";

    /// <summary>The reads called so far, in the order they finished.</summary>
    public IReadOnlyList<CalledRead> Reads => _reads;

    /// <inheritdoc />
    public void Write(CalledRead read) => _reads.Add(read);

    /// <inheritdoc />
    public void Commit()
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
