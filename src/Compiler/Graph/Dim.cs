namespace Dipper.Compiler.Graph;

/// <summary>
/// One dimension of a tensor shape: a fixed size, a named size that is chosen at run time
/// (e.g. <c>batch</c>, <c>samples</c>), or unknown. Names let an exported model keep its batch and
/// signal length open while the compiler still checks every fixed size (channels, kernel widths).
/// </summary>
public readonly record struct Dim
{
    private Dim(int? size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    /// <summary>The size when it is fixed; null when it is chosen at run time.</summary>
    public int? Size { get; }

    /// <summary>The run-time dimension's name, e.g. "batch"; null when fixed or unnamed.</summary>
    public string? Symbol { get; }

    /// <summary>A dimension of known size.</summary>
    public static Dim Fixed(int size) =>
        size >= 0 ? new Dim(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "a dimension cannot be negative");

    /// <summary>A run-time dimension with a name shared by every tensor that has the same extent.</summary>
    public static Dim Named(string symbol) => new(null, symbol);

    /// <summary>A run-time dimension derived from others (e.g. frames after a strided convolution).</summary>
    public static Dim Unknown => default;

    /// <summary>True when the size is known at compile time.</summary>
    public bool IsFixed => Size.HasValue;

    /// <summary>Converts a fixed size.</summary>
    public static implicit operator Dim(int size) => Fixed(size);

    /// <inheritdoc />
    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
