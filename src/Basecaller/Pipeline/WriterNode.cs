using System.Threading.Channels;
using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Last stage: writes called reads in the order they finish. Counting happens here, so the summary's
/// reads, samples and bases are exactly what reached the output.
/// </summary>
public sealed class WriterNode
{
    private readonly ICalledReadWriter _writer;
    private readonly PipelineCounters _counters;

    /// <summary>Creates the stage over a writer it does not own.</summary>
    public WriterNode(ICalledReadWriter writer, PipelineCounters counters)
    {
        _writer = writer;
        _counters = counters;
    }

    /// <summary>Writes every read until the input completes.</summary>
    public async Task RunAsync(ChannelReader<CalledRead> input, CancellationToken cancellationToken)
    {
        await foreach (var read in input.ReadAllAsync(cancellationToken))
        {
            _writer.Write(read);
            _counters.ReadCalled(read.Read.SampleCount, read.Sequence.Bases.Length);
        }
    }
}
