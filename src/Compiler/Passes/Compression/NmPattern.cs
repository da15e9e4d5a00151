using System.Globalization;

namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// Semi-structured sparsity "n:m": in every group of m consecutive inputs of an output, n weights
/// are zero (2:4 is what sparse tensor cores accelerate). Written N:M on the command line, as the
/// reference's <c>--sparsity_type 2:4</c>.
/// </summary>
/// <param name="Pruned">n, the zeros per group.</param>
/// <param name="GroupSize">m, the group length along the inputs.</param>
public readonly record struct NmPattern(int Pruned, int GroupSize)
{
    /// <summary>The fraction of zeros the pattern implies, n/m.</summary>
    public double Sparsity => (double)Pruned / GroupSize;

    /// <summary>Parses "N:M" with 0 &lt; N &lt; M.</summary>
    public static bool TryParse(string text, out NmPattern pattern)
    {
        pattern = default;
        var parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || n <= 0 || n >= m || m > 64)
            return false;
        pattern = new NmPattern(n, m);
        return true;
    }

    /// <summary>Throws unless a layer with <paramref name="inputs"/> inputs splits into whole groups.</summary>
    public void RequireDivides(int inputs)
    {
        if (inputs % GroupSize != 0)
            throw new ArgumentException($"{this}: the layer's {inputs} inputs do not split into groups of {GroupSize}");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Pruned}:{GroupSize}";
}
