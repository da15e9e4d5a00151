namespace Dipper.Basecaller.Signal;

/// <summary>Placeholder until the reader lands.</summary>
public sealed class Blow5Reader : ISignalReader
{
    /// <summary>Opens the file.</summary>
    public Blow5Reader(string path) { Path = path; }
    /// <inheritdoc />
    public string Path { get; }
    /// <inheritdoc />
    public SignalFormat Format => throw new NotImplementedException();
    /// <inheritdoc />
    public IAsyncEnumerable<Read> ReadAllAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
