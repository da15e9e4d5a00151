using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;

namespace Dipper.Compiler.Labelling;

/// <summary>
/// Cuts a called and aligned read into training chunks and labels each with the reference it shows, along the
/// CTC path: the called bases whose emission starts in the chunk are mapped through the alignment, and the
/// reference between the first and the last of them is the chunk's label (reverse-complemented when the read
/// maps to the reverse strand, so it reads in the signal's direction). Chunks are the model's chunk length,
/// back to back from the read's first sample; the tail shorter than a chunk is not a chunk. One instance per
/// thread (it keeps the normaliser's buffers).
/// </summary>
public sealed class ChunkLabeller
{
    private readonly int _samples;
    private readonly int _stride;
    private readonly Normaliser _normaliser;
    private readonly LabelFilter _filter;
    private readonly byte[] _codes = new byte[128];

    /// <summary>Creates a labeller for the model's chunk length, stride, normalisation and alphabet.</summary>
    /// <exception cref="ArgumentException">The alphabet lacks one of A, C, G, T.</exception>
    public ChunkLabeller(ModelManifest manifest, LabelFilter filter)
    {
        _samples = manifest.Chunk.Samples;
        _stride = manifest.Stride;
        _normaliser = new Normaliser(manifest.Normalisation);
        _filter = filter;
        foreach (var b in "ACGT")
        {
            var code = manifest.Alphabet.IndexOf(b);
            if (code < 0 || code == manifest.Blank)
                throw new ArgumentException($"model '{manifest.Name}' alphabet '{manifest.Alphabet}' has no class for base {b}", nameof(manifest));
            _codes[b] = (byte)code;
        }
    }

    /// <summary>Chunks in a read of <paramref name="samples"/> samples.</summary>
    public int ChunkCount(int samples) => samples / _samples;

    /// <summary>
    /// Labels every chunk of <paramref name="read"/>; <paramref name="alignment"/> is its primary alignment, null when it did not map.
    /// Every chunk is either returned or counted in <paramref name="dropped"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The call has no base frames (a decoder that does not track the CTC path).</exception>
    public List<LabelledChunk> Label(Read read, DecodedSequence call, ReadAlignment? alignment, ReferenceSequences reference,
        IDictionary<LabelDropReason, int> dropped)
    {
        var chunks = ChunkCount(read.SampleCount);
        var kept = new List<LabelledChunk>();
        if (chunks == 0) return kept;
        LabelDropReason? readReason = alignment is null ? LabelDropReason.UnmappedRead
            : alignment.Identity < _filter.MinIdentity ? LabelDropReason.LowIdentity
            : null;
        if (readReason is { } whole)
        {
            Count(dropped, whole, chunks);
            return kept;
        }
        var frames = call.BaseFrames ?? throw new ArgumentException($"read {read.ReadId}: the call has no base frames (use a decoder that keeps the CTC path)", nameof(call));
        if (alignment!.QueryLength != call.Bases.Length)
            throw new ArgumentException($"read {read.ReadId}: aligned as {alignment.QueryLength} bases, called as {call.Bases.Length}", nameof(alignment));
        var positions = alignment.ReferencePositions();
        var target = reference[alignment.Target];
        var normalised = new float[read.SampleCount];
        _normaliser.Normalise(read.Signal, normalised);

        for (var c = 0; c < chunks; c++)
        {
            var start = c * _samples;
            var first = FirstBaseAtOrAfter(frames, start);
            var end = FirstBaseAtOrAfter(frames, start + _samples);
            var label = LabelOf(first, end, positions, alignment, target, out var reason);
            if (label is null)
            {
                Count(dropped, reason, 1);
                continue;
            }
            kept.Add(new LabelledChunk(read.ReadId, start, normalised.AsSpan(start, _samples).ToArray(), label));
        }
        return kept;
    }

    private byte[]? LabelOf(int first, int end, int[] positions, ReadAlignment alignment, string target, out LabelDropReason reason)
    {
        var bases = end - first;
        if (bases < _filter.MinBases)
        {
            reason = LabelDropReason.TooFewBases;
            return null;
        }
        if (first < alignment.QueryStart || end > alignment.QueryEnd)
        {
            // PAF's query span is on the read as called, whichever strand it maps to.
            reason = LabelDropReason.OutsideAlignment;
            return null;
        }
        // The first and last base of the chunk that sit on a reference base (an insertion does not).
        var a = first;
        while (a < end && positions[a] < 0) a++;
        var b = end - 1;
        while (b >= a && positions[b] < 0) b--;
        if (a > b)
        {
            reason = LabelDropReason.OutsideAlignment;
            return null;
        }
        var low = Math.Min(positions[a], positions[b]);
        var high = Math.Max(positions[a], positions[b]);
        var span = target.AsSpan(low, high - low + 1);
        var ratio = (double)span.Length / bases;
        var label = new byte[span.Length];
        for (var i = 0; i < span.Length; i++)
        {
            // On the reverse strand the signal reads the complement from the high end down.
            var baseChar = alignment.Reverse ? Complement(span[span.Length - 1 - i]) : span[i];
            var code = baseChar < 128 ? _codes[baseChar] : (byte)0;
            if (code == 0)
            {
                reason = LabelDropReason.AmbiguousReference;
                return null;
            }
            label[i] = code;
        }
        if (ratio < _filter.MinLengthRatio || ratio > _filter.MaxLengthRatio)
        {
            reason = LabelDropReason.LengthRatio;
            return null;
        }
        reason = default;
        return label;
    }

    /// <summary>Index of the first base whose emission starts at or after sample <paramref name="sample"/>.</summary>
    private int FirstBaseAtOrAfter(IReadOnlyList<int> frames, int sample)
    {
        var frame = (sample + _stride - 1) / _stride;
        int low = 0, high = frames.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (frames[mid] < frame) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    private static char Complement(char b) => b switch
    {
        'A' => 'T',
        'C' => 'G',
        'G' => 'C',
        'T' => 'A',
        _ => 'N',
    };

    private static void Count(IDictionary<LabelDropReason, int> dropped, LabelDropReason reason, int chunks) =>
        dropped[reason] = dropped.TryGetValue(reason, out var n) ? n + chunks : chunks;
}
