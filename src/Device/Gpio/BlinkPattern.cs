namespace Dipper.Device.Gpio;

/// <summary>
/// A repeating LED pattern as data: the steps play in order and start again after the last. Kept
/// as data rather than code so patterns can be compared, tested and changed without touching the
/// timing logic. A pattern with one step is a steady light.
/// </summary>
public sealed record BlinkPattern
{
    /// <summary>Creates a pattern.</summary>
    /// <exception cref="ArgumentException">No steps, or a step of zero or negative length (it would spin the timer).</exception>
    public BlinkPattern(params BlinkStep[] steps)
    {
        if (steps.Length == 0)
            throw new ArgumentException("a blink pattern needs at least one step", nameof(steps));
        foreach (var step in steps)
        {
            if (step.Duration <= TimeSpan.Zero)
                throw new ArgumentException($"a blink step must last longer than zero (got {step.Duration})", nameof(steps));
        }
        Steps = steps;
    }

    /// <summary>The steps, played in order and repeated.</summary>
    public IReadOnlyList<BlinkStep> Steps { get; }

    /// <summary>Length of one repetition.</summary>
    public TimeSpan Period => Steps.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    /// <summary>
    /// The pattern as a single-colour LED shows it: lit/dark runs with adjacent equal runs merged.
    /// Used to check that patterns stay distinguishable on a one-colour LED.
    /// </summary>
    public IReadOnlyList<(bool Lit, TimeSpan Duration)> SingleColourRuns()
    {
        var runs = new List<(bool Lit, TimeSpan Duration)>();
        foreach (var step in Steps)
        {
            if (runs.Count > 0 && runs[^1].Lit == step.Colour.IsLit)
                runs[^1] = (step.Colour.IsLit, runs[^1].Duration + step.Duration);
            else
                runs.Add((step.Colour.IsLit, step.Duration));
        }
        if (runs.Count > 1 && runs[0].Lit == runs[^1].Lit)
        {
            // The pattern repeats, so a trailing run continues into the leading one.
            runs[0] = (runs[0].Lit, runs[0].Duration + runs[^1].Duration);
            runs.RemoveAt(runs.Count - 1);
        }
        return runs;
    }

    /// <summary>Pattern equality is by steps, so two patterns built separately from the same data are equal.</summary>
    public bool Equals(BlinkPattern? other) => other is not null && Steps.SequenceEqual(other.Steps);

    /// <inheritdoc/>
    public override int GetHashCode() => Steps.Aggregate(0, (h, s) => HashCode.Combine(h, s));
}
