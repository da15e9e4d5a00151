using System.Runtime.CompilerServices;
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
    private readonly Beam[] _beams;
    private int _beamCount;

    // Candidates for the next frame, in visiting order, and the candidate slot of each kept beam's own prefix (−1: none yet).
    private readonly Candidate[] _candidates;
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
        _beams = new Beam[beamWidth];
        _candidates = new Candidate[beamWidth * classes];
        _slotOfBeam = new int[beamWidth];
        _chosen = new int[beamWidth];
        _chosenScore = new double[beamWidth];
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
        _tree.SetBeam(PrefixTree.Root, 0);
        _beamCount = 1;
        _beams[0] = new Beam(PrefixTree.Root, 1.0, 0.0);
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
    /// <remarks>
    /// A candidate's sums are written, not added to a zero, where the reference adds to a zero (0 + x is x for the
    /// non-negative x here), and each sum is added to in the reference's order, so every sum is the reference's bit for bit.
    /// </remarks>
    // Extend and Prune are compiled for this CPU at their first call rather than taken from dipperd's ReadyToRun image,
    // whose code for a baseline CPU decoded about a tenth fewer frames per CPU-second (docs/cpu-speed.md §15).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Extend()
    {
        var blank = _alphabet.Blank;
        var classes = _alphabet.Classes;
        ReadOnlySpan<double> probability = _probability;
        ReadOnlySpan<Beam> beams = _beams.AsSpan(0, _beamCount);
        Span<Candidate> candidates = _candidates;
        var slotOfBeam = _slotOfBeam.AsSpan(0, beams.Length);
        slotOfBeam.Fill(-1);
        var blankProbability = probability[blank];
        var count = 0;
        for (var j = 0; j < beams.Length; j++)
        {
            var (node, pb, pnb) = beams[j];
            var total = pb + pnb;

            // A blank keeps the prefix; repeating its last label without a blank in between collapses into it.
            var own = slotOfBeam[j];
            if (own < 0)
            {
                own = count++;
                slotOfBeam[j] = own;
                candidates[own] = new Candidate { Node = node };
            }
            ref var kept = ref candidates[own];
            kept.Blank = total * blankProbability; // a prefix's only blank term
            var last = _tree.Label(node);
            if (last >= 0) kept.End += pnb * probability[last];

            for (var c = 0; c < classes; c++)
            {
                if (c == blank) continue;
                // The same label again only extends the prefix after a blank (paths ending in blank).
                var add = (c == last ? pb : total) * probability[c];
                var existing = _tree.Find(node, c);
                var beam = existing >= 0 ? _tree.Beam(existing) : -1;
                if (beam < 0)
                {
                    candidates[count++] = new Candidate { Node = -1, Parent = node, Label = c, End = add };
                    continue;
                }
                var slot = slotOfBeam[beam];
                if (slot >= 0)
                {
                    candidates[slot].End += add;
                    continue;
                }
                slot = count++;
                slotOfBeam[beam] = slot;
                candidates[slot] = new Candidate { Node = existing, End = add };
            }
        }
        return count;
    }

    /// <summary>Keeps the best candidates as the new beams, renormalised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Prune(int count, int frame)
    {
        ReadOnlySpan<Candidate> candidates = _candidates.AsSpan(0, count);
        var keep = Math.Min(BeamWidth, count);
        var chosen = _chosen.AsSpan(0, keep);
        var chosenScore = _chosenScore.AsSpan(0, keep);
        // The best `keep` candidates in a stable descending order, as the reference's sort: one pass, each candidate
        // inserted after every kept one that scores at least as much (so the first of equal scores stays first).
        var kept = 0;
        for (var s = 0; s < candidates.Length; s++)
        {
            var score = candidates[s].Blank + candidates[s].End;
            if (kept == keep && score <= chosenScore[keep - 1]) continue;
            var at = kept < keep ? kept++ : keep - 1;
            while (at > 0 && chosenScore[at - 1] < score)
            {
                chosenScore[at] = chosenScore[at - 1];
                chosen[at] = chosen[at - 1];
                at--;
            }
            chosenScore[at] = score;
            chosen[at] = s;
        }

        var z = 0.0;
        for (var i = 0; i < keep; i++) z += chosenScore[i];
        var beams = _beams.AsSpan();
        for (var i = 0; i < _beamCount; i++) _tree.SetBeam(beams[i].Node, -1);
        for (var i = 0; i < keep; i++)
        {
            ref readonly var candidate = ref candidates[chosen[i]];
            var node = candidate.Node;
            if (node < 0)
            {
                node = _tree.GetOrAdd(candidate.Parent, candidate.Label);
                _tree.SetEntryFrame(node, frame);
            }
            _tree.SetBeam(node, i);
            beams[i] = new Beam(node, candidate.Blank / z, candidate.End / z);
        }
        _beamCount = keep;
    }

    /// <summary>A kept prefix and its probability split into paths ending in a blank and paths ending in its last label.</summary>
    private readonly record struct Beam(int Node, double Blank, double Label);

    /// <summary>
    /// A prefix for the next frame: a kept beam's (<see cref="Node"/> ≥ 0) or a new extension of <see cref="Parent"/> by
    /// <see cref="Label"/> not yet in the tree, with its sums over paths ending in a blank and in its last label.
    /// </summary>
    private struct Candidate
    {
        public int Node;
        public int Parent;
        public int Label;
        public double Blank;
        public double End;
    }

    /// <summary>Spells out the best beam's prefix with a quality per base.</summary>
    private DecodedSequence Trace(ReadOnlySpan<float> logProbs, int frames)
    {
        var best = 0;
        for (var j = 1; j < _beamCount; j++)
        {
            if (_beams[j].Blank + _beams[j].Label > _beams[best].Blank + _beams[best].Label) best = j;
        }
        _path.Clear();
        for (var node = _beams[best].Node; node != PrefixTree.Root; node = _tree.Parent(node)) _path.Add(node);
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
