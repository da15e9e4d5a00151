namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// The layers a compression leaves dense, as a user names them: <c>stem</c> (the first convolution or
/// linear layer, which sees the raw signal), <c>output</c> (the last, which makes the symbol scores),
/// <c>depthwise</c> (every depthwise convolution: few weights, and pruned per channel 5 of 11 taps go at
/// 50 %) and exact node names. These are the layers where one-shot pruning costs most for what it saves,
/// which is why pruning tools let them be skipped.
/// </summary>
public sealed record DenseLayerSelection
{
    /// <summary>The words that name a kind of layer rather than one node.</summary>
    public static readonly IReadOnlyList<string> Keywords = ["stem", "output", "depthwise"];

    /// <summary>Keep the first compressible layer dense.</summary>
    public bool Stem { get; init; }

    /// <summary>Keep the last compressible layer dense.</summary>
    public bool Output { get; init; }

    /// <summary>Keep every depthwise convolution dense.</summary>
    public bool Depthwise { get; init; }

    /// <summary>Exact node names to keep dense.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>True when nothing is kept dense.</summary>
    public bool IsEmpty => !Stem && !Output && !Depthwise && Names.Count == 0;

    /// <summary>The list as given on the command line, for provenance: keywords first, then names.</summary>
    public IReadOnlyList<string> Items =>
        [.. Stem ? ["stem"] : Array.Empty<string>(), .. Output ? ["output"] : Array.Empty<string>(),
         .. Depthwise ? ["depthwise"] : Array.Empty<string>(), .. Names];

    /// <summary>Parses a comma-separated list; anything not a keyword is a node name (checked against the model later).</summary>
    public static DenseLayerSelection Parse(string list)
    {
        var items = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new DenseLayerSelection
        {
            Stem = items.Contains("stem"),
            Output = items.Contains("output"),
            Depthwise = items.Contains("depthwise"),
            Names = items.Where(i => !Keywords.Contains(i)).Distinct().ToArray(),
        };
    }

    /// <summary>The node names of <paramref name="layers"/> (in graph order) that stay dense.</summary>
    /// <exception cref="UnknownLayerException">A name that is no compressible layer of the model.</exception>
    public IReadOnlySet<string> Resolve(IReadOnlyList<CompressibleLayer> layers)
    {
        var known = layers.Select(l => l.Node.Name).ToArray();
        var unknown = Names.Where(n => !known.Contains(n)).ToArray();
        if (unknown.Length > 0) throw new UnknownLayerException(unknown, known);
        var kept = new HashSet<string>(Names);
        if (layers.Count > 0 && Stem) kept.Add(known[0]);
        if (layers.Count > 0 && Output) kept.Add(known[^1]);
        if (Depthwise) kept.UnionWith(layers.Where(l => l.IsDepthwise).Select(l => l.Node.Name));
        return kept;
    }
}
