using System.Threading.Channels;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Output;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Sixth stage: CTC-decodes each stitched read into bases, qualities and its move table, and
/// releases its log-probabilities. Several instances may share one input queue, each with its own decoder.
/// </summary>
public sealed class DecodeNode
{
    private readonly ICtcDecoder _decoder;
    private readonly string _model;
    private readonly int _stride;

    /// <summary>Creates the stage with a decoder it uses from one thread, for a model of <paramref name="stride"/> samples per frame.</summary>
    public DecodeNode(ICtcDecoder decoder, string model, int stride)
    {
        _decoder = decoder;
        _model = model;
        _stride = stride;
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
            // The move table costs a byte per frame (a fifth of the raw signal's bytes at stride 5 … 10) and is made
            // here, where the frame count is known, so every writer can take it.
            var moves = sequence.BaseFrames is { } frames ? MoveTable.FromPath(frames, read.Frames, _stride) : null;
            await output.WriteAsync(new CalledRead(read.Read, sequence, _model) { Moves = moves }, cancellationToken);
        }
    }
}
