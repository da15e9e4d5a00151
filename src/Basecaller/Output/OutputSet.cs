namespace Dipper.Basecaller.Output;

/// <summary>
/// Several outputs of one run written together (the calls and their sequencing summary): every read goes to
/// each. A run that fails before the commit leaves none of them under its final name; they are then committed in
/// order, the calls first, so a summary never names reads whose calls are missing.
/// </summary>
public sealed class OutputSet : ICalledReadWriter
{
    private readonly IReadOnlyList<ICalledReadWriter> _writers;

    /// <summary>Writes to <paramref name="writers"/>, which it owns; the first names the set.</summary>
    public OutputSet(IReadOnlyList<ICalledReadWriter> writers)
    {
        if (writers.Count == 0) throw new ArgumentException("at least one writer is needed", nameof(writers));
        _writers = writers;
    }

    /// <inheritdoc />
    public string Path => _writers[0].Path;

    /// <inheritdoc />
    public void Write(CalledRead read)
    {
        foreach (var writer in _writers) writer.Write(read);
    }

    /// <inheritdoc />
    public void Commit()
    {
        foreach (var writer in _writers) writer.Commit();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var writer in _writers) writer.Dispose();
    }
}
