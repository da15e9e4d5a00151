using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Sixth stage: CTC-decodes each stitched read into bases and qualities and releases its
/// log-probabilities. Several instances may share one input queue, each with its own decoder.
/// </summary>
public sealed class DecodeNode
{
    private readonly ICtcDecoder _decoder;
    private readonly string _model;

    /// <summary>Creates the stage with a decoder it uses from one thread.</summary>
    public DecodeNode(ICtcDecoder decoder, string model)
    {
        _decoder = decoder;
        _model = model;
    }

    /// <summary>Decodes until the input completes. Does not complete the output: other decoders may share it.</summary>
    public async Task RunAsync(ChannelReader<ReadInProgress> input, ChannelWriter<CalledRead> output, CancellationToken cancellationToken)
    {
        await foreach (var read in input.ReadAllAsync(cancellationToken))
        {
            DecodedSequence sequence;
            try
            {
                sequence = _decoder.Decode(read.LogProbs, read.Frames);
            }
            finally
            {
                read.ReleaseLogProbs();
            }
            await output.WriteAsync(new CalledRead(read.Read, sequence, _model), cancellationToken);
        }
    }
}
