using System.Text;

namespace Dipper.Basecaller.Decoding;

/// <summary>
/// CTC prefix beam search: keeps the <see cref="BeamWidth"/> most probable label prefixes, each with
/// the exact summed probability of all alignments (paths) that produce it, split into paths ending in
/// a blank and paths ending in the prefix's last label. Unlike greedy decoding it can call two equal
/// bases whose peaks merge and prefers sequences supported by many weak paths.
/// </summary>
/// <remarks>
/// Arithmetic follows Dipper's reference pipeline (<c>basecall_reference.py</c>) step for step so the
/// calls are identical: probabilities in double precision (not log space), renormalised to sum 1 over
/// the kept beams after every frame; candidates visited in beam order, each beam's own entry first and
/// then its extensions by each non-blank label in class order; candidates ranked by total probability
/// with ties kept in visiting order; the best final beam wins, the earlier one on a tie.
/// </remarks>
public sealed class BeamSearchCtcDecoder : ICtcDecoder
{
    private readonly CtcAlphabet _alphabet;
    private readonly PrefixTree _tree;
    private readonly double[] _probability;

    // The kept beams, best first.
    private readonly int[] _beamNode;
    private readonly double[] _beamBlank;
    private readonly double[] _beamLabel;
    private int _beamCount;

    // Candidates for the next frame, in visiting order. A candidate is either a kept beam's prefix
    // (_candidateNode >= 0) or a new extension (_candidateParent + _candidateLabel) not yet in the tree.
    private readonly int[] _candidateNode;
    private readonly int[] _candidateParent;
    private readonly int[] _candidateLabel;
    private readonly double[] _candidateBlank;
    private readonly double[] _candidateEnd;
    private readonly int[] _slotOfBeam;

    // The candidates kept by Prune, best first, and their scores.
    private readonly int[] _chosen;
    private readonly double[] _chosenScore;

    private readonly StringBuilder _bases = new();
    private readonly StringBuilder _qualities = new();
    private readonly List<int> _path = [];
    private readonly List<int> _frames = [];

    /// <summary>Creates a decoder keeping <paramref name="beamWidth"/> prefixes per frame (5 in the reference).</summary>
    public BeamSearchCtcDecoder(CtcAlphabet alphabet, int beamWidth = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(beamWidth, 1);
        _alphabet = alphabet;
        BeamWidth = beamWidth;
        var classes = alphabet.Classes;
        _tree = new PrefixTree(classes);
        _probability = new double[classes];
        _beamNode = new int[beamWidth];
        _beamBlank = new double[beamWidth];
        _beamLabel = new double[beamWidth];
        var candidates = beamWidth * classes;
        _candidateNode = new int[candidates];
        _candidateParent = new int[candidates];
        _candidateLabel = new int[candidates];
        _candidateBlank = new double[candidates];
        _candidateEnd = new double[candidates];
        _chosenScore = new double[beamWidth];
        _slotOfBeam = new int[beamWidth];
        _chosen = new int[beamWidth];
    }

    /// <summary>Prefixes kept per frame.</summary>
    public int BeamWidth { get; }

    /// <inheritdoc />
    public DecodedSequence Decode(ReadOnlySpan<float> logProbs, int frames)
    {
        var classes = _alphabet.Classes;
        if (logProbs.Length < frames * classes)
            throw new ArgumentException($"{frames} frames of {classes} classes need {frames * classes} values, got {logProbs.Length}", nameof(logProbs));
        _tree.Clear();
        _beamCount = 1;
        _beamNode[0] = PrefixTree.Root;
        _beamBlank[0] = 1.0;
        _beamLabel[0] = 0.0;
        for (var t = 0; t < frames; t++)
        {
            var row = logProbs.Slice(t * classes, classes);
            for (var c = 0; c < classes; c++) _probability[c] = Math.Exp(row[c]);
            var candidates = Extend();
            Prune(candidates, t);
        }
        return Trace(logProbs, frames);
    }

    /// <summary>Builds the candidates of the next frame from the kept beams; returns their number.</summary>
    private int Extend()
    {
        var blank = _alphabet.Blank;
        var classes = _alphabet.Classes;
        var count = 0;
        _slotOfBeam.AsSpan(0, _beamCount).Fill(-1);
        for (var j = 0; j < _beamCount; j++)
        {
            var node = _beamNode[j];
            var pb = _beamBlank[j];
            var pnb = _beamLabel[j];
            var total = pb + pnb;

            // A blank keeps the prefix; repeating its last label without a blank in between collapses into it.
            var own = SlotOfBeam(j, ref count);
            _candidateBlank[own] += total * _probability[blank];
            var last = _tree.Label(node);
            if (last >= 0) _candidateEnd[own] += pnb * _probability[last];

            for (var c = 0; c < classes; c++)
            {
                if (c == blank) continue;
                // The same label again only extends the prefix after a blank (paths ending in blank).
                var add = c == last ? pb * _probability[c] : total * _probability[c];
                var slot = -1;
                var existing = _tree.Find(node, c);
                if (existing >= 0)
                {
                    for (var k = 0; k < _beamCount; k++)
                    {
                        if (_beamNode[k] == existing)
                        {
                            slot = SlotOfBeam(k, ref count);
                            break;
                        }
                    }
                }
                if (slot < 0)
                {
                    slot = count++;
                    _candidateNode[slot] = -1;
                    _candidateParent[slot] = node;
                    _candidateLabel[slot] = c;
                    _candidateBlank[slot] = 0.0;
                    _candidateEnd[slot] = 0.0;
                }
                _candidateEnd[slot] += add;
            }
        }
        return count;
    }

    private int SlotOfBeam(int beam, ref int count)
    {
        var slot = _slotOfBeam[beam];
        if (slot >= 0) return slot;
        slot = count++;
        _slotOfBeam[beam] = slot;
        _candidateNode[slot] = _beamNode[beam];
        _candidateBlank[slot] = 0.0;
        _candidateEnd[slot] = 0.0;
        return slot;
    }

    /// <summary>Keeps the best candidates as the new beams, renormalised.</summary>
    private void Prune(int candidates, int frame)
    {
        var keep = Math.Min(BeamWidth, candidates);
        // The best `keep` candidates in a stable descending order, as the reference's sort: one pass, each candidate
        // inserted after every kept one that scores at least as much (so the first of equal scores stays first).
        var kept = 0;
        for (var s = 0; s < candidates; s++)
        {
            var score = _candidateBlank[s] + _candidateEnd[s];
            if (kept == keep && score <= _chosenScore[kept - 1]) continue;
            var at = kept < keep ? kept++ : keep - 1;
            while (at > 0 && _chosenScore[at - 1] < score)
            {
                _chosenScore[at] = _chosenScore[at - 1];
                _chosen[at] = _chosen[at - 1];
                at--;
            }
            _chosenScore[at] = score;
            _chosen[at] = s;
        }

        var z = 0.0;
        for (var i = 0; i < keep; i++)
        {
            var s = _chosen[i];
            z += _candidateBlank[s] + _candidateEnd[s];
        }
        for (var i = 0; i < keep; i++)
        {
            var s = _chosen[i];
            var node = _candidateNode[s];
            if (node < 0)
            {
                node = _tree.GetOrAdd(_candidateParent[s], _candidateLabel[s]);
                _tree.SetEntryFrame(node, frame);
            }
            _beamNode[i] = node;
            _beamBlank[i] = _candidateBlank[s] / z;
            _beamLabel[i] = _candidateEnd[s] / z;
        }
        _beamCount = keep;
    }

    /// <summary>Spells out the best beam's prefix with a quality per base.</summary>
    private DecodedSequence Trace(ReadOnlySpan<float> logProbs, int frames)
    {
        var best = 0;
        for (var j = 1; j < _beamCount; j++)
        {
            if (_beamBlank[j] + _beamLabel[j] > _beamBlank[best] + _beamLabel[best]) best = j;
        }
        _path.Clear();
        for (var node = _beamNode[best]; node != PrefixTree.Root; node = _tree.Parent(node)) _path.Add(node);
        if (_path.Count == 0) return DecodedSequence.Empty;
        _path.Reverse();

        _bases.Clear();
        _qualities.Clear();
        _frames.Clear();
        for (var i = 0; i < _path.Count; i++)
        {
            var node = _path[i];
            var label = _tree.Label(node);
            var start = _tree.EntryFrame(node);
            // A prefix that dropped out of the beam and came back can have a later entry than its extension; the span is then one frame.
            var end = i + 1 < _path.Count ? _tree.EntryFrame(_path[i + 1]) : frames;
            _bases.Append(_alphabet.Symbols[label]);
            _frames.Add(start);
            _qualities.Append(PhredQuality.ForEmission(logProbs, _alphabet.Classes, label, start, Math.Max(end, start + 1)));
        }
        return new DecodedSequence(_bases.ToString(), _qualities.ToString()) { BaseFrames = _frames.ToArray() };
    }
}
