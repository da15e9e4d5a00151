using Dipper.Basecaller.Decoding;

namespace Dipper.Compiler.Verification;

/// <summary>
/// Adds up, read by read, how closely one model's log-probabilities follow another's: log-probability error,
/// per-frame agreement of the most likely class, and the identity of the two greedy base calls. One home for
/// these measures, so the float comparison and the arm64 comparison (<see cref="Arm64Check"/>) count alike.
/// </summary>
public sealed class AgreementTally(CtcAlphabet alphabet)
{
    private readonly GreedyCtcDecoder _decoder = new(alphabet);
    private int _reads;
    private long _frames, _agreeing;
    private double _maxError, _errorSum, _identitySum, _lowest = 1;

    /// <summary>Adds one read: both models' stitched log-probabilities, row-major [frames, classes].</summary>
    public void Add(float[] expected, float[] actual)
    {
        var classes = alphabet.Classes;
        if (expected.Length != actual.Length || expected.Length % classes != 0)
            throw new ArgumentException($"the two models gave {expected.Length} and {actual.Length} values, not the same frames of {classes} classes");
        var readFrames = expected.Length / classes;
        for (var f = 0; f < readFrames; f++)
        {
            var e = expected.AsSpan(f * classes, classes);
            var a = actual.AsSpan(f * classes, classes);
            if (ArgMax(e) == ArgMax(a)) _agreeing++;
            for (var c = 0; c < classes; c++)
            {
                var d = Math.Abs((double)e[c] - a[c]);
                _errorSum += d;
                if (d > _maxError) _maxError = d;
            }
        }
        _frames += readFrames;
        var identity = EditDistance.Identity(_decoder.Decode(expected, readFrames).Bases, _decoder.Decode(actual, readFrames).Bases);
        _identitySum += identity;
        _lowest = Math.Min(_lowest, identity);
        _reads++;
    }

    /// <summary>The measures over the reads added so far, under <paramref name="engine"/>'s name.</summary>
    /// <exception cref="InvalidOperationException">No read was added.</exception>
    public Agreement Result(string engine)
    {
        if (_reads == 0 || _frames == 0) throw new InvalidOperationException("no frames were compared");
        return new Agreement(engine, _reads, _frames, _maxError, _errorSum / (_frames * alphabet.Classes),
            (double)_agreeing / _frames, _identitySum / _reads, _lowest);
    }

    /// <summary>The first most likely class, as the greedy decoder picks it.</summary>
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best]) best = c;
        }
        return best;
    }
}
