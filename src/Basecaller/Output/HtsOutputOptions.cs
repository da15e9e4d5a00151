namespace Dipper.Basecaller.Output;

/// <summary>What a SAM/BAM/CRAM output records beyond the reads: its provenance (the @PG line) and whether to carry move tables.</summary>
public sealed record HtsOutputOptions
{
    /// <summary>Write each read's move table (<c>mv</c>), which signal-level tools (modkit, f5c, squigualiser) need; about a byte per frame.</summary>
    public bool EmitMoves { get; init; }

    /// <summary>The program named in @PG (PN).</summary>
    public string Program { get; init; } = "dipperd";

    /// <summary>Its version (VN).</summary>
    public string Version { get; init; } = typeof(HtsOutputOptions).Assembly.GetName().Version?.ToString(3) ?? "0";

    /// <summary>The command line that made the file (CL), or null.</summary>
    public string? CommandLine { get; init; }
}
