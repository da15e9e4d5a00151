using System.Runtime.CompilerServices;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Pipeline;

/// <summary>A signal "file" of given reads, optionally damaged after them (as the real readers report damage).</summary>
internal sealed class FakeSignalReader(string path, IReadOnlyList<Read> reads, bool damagedAtEnd = false, Task? gate = null) : ISignalReader
{
    public string Path { get; } = path;
    public SignalFormat Format => SignalFormat.Blow5;

    public async IAsyncEnumerable<Read> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (gate is not null) await gate;
        foreach (var read in reads)
        {
            await Task.Yield();
            yield return read;
        }
        if (damagedAtEnd) throw new SignalFormatException(Path, "record truncated", 4242);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A squiggle-like signal: levels held for a few samples with noise, around a DAC offset.</summary>
    public static Read Synthetic(string id, int samples, int seed, double sampleRate = 4000)
    {
        var random = new Random(seed);
        var signal = new short[samples];
        var level = 500.0;
        for (var i = 0; i < samples; i++)
        {
            if (random.Next(9) == 0) level = 400 + random.Next(250);
            signal[i] = (short)(level + random.Next(-20, 21));
        }
        return new Read(id, signal, new SignalCalibration(0, 0.17), sampleRate) { SourcePath = "synthetic.blow5", Channel = 7, RunId = "run1" };
    }
}
