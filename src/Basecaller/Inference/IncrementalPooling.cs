namespace Dipper.Basecaller.Inference;

/// <summary>
/// Dynamic pooling of one read fed its frames in order, a run of frames at a time, as the part of a pooled model
/// before the pooling gives them chunk by chunk. The rule is <see cref="DynamicPooling"/>'s, computed in the same
/// float32 order: each frame's position is the running sum of the moves so far, and a frame only ever adds to output
/// frames ⌊p⌋ and ⌊p⌋ + 1, so frames in order can be pooled as they come and the result equals pooling the whole read
/// at once bit for bit. What is held is the pooled frames (features values per pooled frame, about one per
/// <c>1/MeanMove</c> frames), not the features and logits of every frame of the read (features + 2 values each), which
/// is what made split inference hold about 1 GB on 80 reads (docs/dynamic-pooling.md).
/// </summary>
public sealed class IncrementalPooling
{
    private readonly int _channels;
    private readonly float _scale;
    private float[] _pooled;
    private float _position;
    private int _frames;
    private bool _finished;

    /// <summary>
    /// Starts a read of <paramref name="channels"/> features per frame whose moves are scaled by <paramref name="scale"/>,
    /// with room for <paramref name="expectedLength"/> pooled frames (grown when the read pools to more).
    /// </summary>
    public IncrementalPooling(int channels, float scale, int expectedLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        _channels = channels;
        _scale = scale;
        _pooled = new float[Math.Max(2, expectedLength) * channels];
    }

    /// <summary>Frames pooled so far.</summary>
    public int Frames => _frames;

    /// <summary>
    /// Pools the next frames of the read: <paramref name="frames"/> row-major [n, channels + 2], each frame its features
    /// then its weight and move logits (the layout the first part of a pooled model gives).
    /// </summary>
    /// <exception cref="ArgumentException">The values are not whole frames of channels + 2.</exception>
    /// <exception cref="InvalidOperationException">The read was already finished.</exception>
    public void Add(ReadOnlySpan<float> frames)
    {
        if (_finished) throw new InvalidOperationException("the read was already pooled to its end");
        var row = _channels + 2;
        if (frames.Length % row != 0)
            throw new ArgumentException($"{frames.Length} values are not whole frames of {_channels} features and 2 logits");
        for (var start = 0; start < frames.Length; start += row)
        {
            var frame = frames.Slice(start, row);
            // The same float32 operations, in the same order, as WeightsAndMoves, Positions and Pool (the split is Shares, shared).
            var weight = DynamicPooling.Sigmoid(frame[_channels]);
            var move = DynamicPooling.Sigmoid(frame[_channels + 1]) * _scale;
            var position = _position += move;
            var i = DynamicPooling.Shares(position, weight, out var low, out var high);
            EnsureLength(i + 2);
            var lower = _pooled.AsSpan(i * _channels, _channels);
            var upper = _pooled.AsSpan((i + 1) * _channels, _channels);
            for (var c = 0; c < _channels; c++)
            {
                var x = frame[c];
                lower[c] += low * x;
                upper[c] += high * x;
            }
            _frames++;
        }
    }

    /// <summary>
    /// The pooled read frames-major, [length, channels] in its first length × channels values (the array may be longer),
    /// length = ⌊p[T−1]⌋ + 2 (<see cref="DynamicPooling.OutputLength"/>). No more frames may be added after.
    /// </summary>
    /// <exception cref="InvalidOperationException">No frames were added: a read of no frames has no positions to pool by.</exception>
    public float[] Finish(out int length)
    {
        if (_frames == 0) throw new InvalidOperationException("a read of no frames has no positions to pool by");
        if (_finished) throw new InvalidOperationException("the read was already pooled to its end");
        _finished = true;
        length = DynamicPooling.OutputLength(_position);
        EnsureLength(length);
        var pooled = _pooled;
        _pooled = [];
        return pooled;
    }

    /// <summary>Grows the pooled frames to hold at least <paramref name="length"/> frames; new frames start at zero.</summary>
    private void EnsureLength(int length)
    {
        if (length * _channels <= _pooled.Length) return;
        var grown = new float[Math.Max(length, _pooled.Length / _channels * 5 / 4 + 16) * _channels];
        _pooled.CopyTo(grown, 0);
        _pooled = grown;
    }
}
