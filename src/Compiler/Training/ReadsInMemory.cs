using System.Runtime.CompilerServices;
using Dipper.Basecaller.Signal;

namespace Dipper.Compiler.Training;

/// <summary>Reads already in memory (a training run's held-out reads) as a signal source the pipeline can call, without reading their files again.</summary>
/// <param name="reads">The reads, in the order they are given out.</param>
/// <param name="path">Names the source in messages.</param>
/// <param name="format">The format of the files they came from.</param>
public sealed class ReadsInMemory(IReadOnlyList<Read> reads, string path, SignalFormat format) : ISignalReader
{
    /// <inheritdoc />
    public string Path => path;

    /// <inheritdoc />
    public SignalFormat Format => format;

    /// <inheritdoc />
    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var read in reads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return read;
        }
        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
