namespace Dipper.Basecaller.Decoding;

/// <summary>
/// Turns a read's stitched CTC log-probabilities into bases. One instance per decoding thread:
/// implementations keep their working buffers between reads so a run does not allocate per frame.
/// </summary>
public interface ICtcDecoder
{
    /// <summary>
    /// Decodes <paramref name="frames"/> frames of row-major [frames, classes] natural-log probabilities.
    /// </summary>
    DecodedSequence Decode(ReadOnlySpan<float> logProbs, int frames);
}
