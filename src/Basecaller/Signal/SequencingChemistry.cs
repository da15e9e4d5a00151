using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dipper.Basecaller.Signal;

/// <summary>
/// The pore and molecule a read was sequenced with, the two things a model is trained for besides the
/// sample rate: an R9.4.1 DNA model turns R10.4.1 or RNA signal into reads that look plausible and are
/// nonsense. Worked out from what MinKNOW records (flow cell product code, sequencing kit, experiment
/// type, and the protocol name, which names both codes in files too old to carry them on their own),
/// and parsed from a model manifest's <c>chemistry</c> ("R9.4.1 DNA").
/// </summary>
/// <param name="Pore">Pore version ("R9.4.1", "R10.4.1", "RNA004"), or null when unknown.</param>
/// <param name="Molecule">DNA or RNA, or unknown.</param>
public sealed partial record SequencingChemistry(string? Pore, Molecule Molecule)
{
    /// <summary>Pore of R9.4 and R9.4.1 flow cells (MinKNOW and the base callers treat them as one chemistry).</summary>
    public const string R941 = "R9.4.1";

    /// <summary>Pore of Kit 14 flow cells (FLO-MIN114, FLO-PRO114M …).</summary>
    public const string R1041 = "R10.4.1";

    /// <summary>The RNA pore of SQK-RNA004 flow cells (FLO-MIN004RA …).</summary>
    public const string Rna004 = "RNA004";

    /// <summary>Nothing known.</summary>
    public static SequencingChemistry Unknown { get; } = new(null, Molecule.Unknown);

    // Flow cells whose pore is not told by the "114" and "004RA" rules below.
    private static readonly FrozenDictionary<string, string> PoreOfFlowCell = new Dictionary<string, string>
    {
        ["FLO-MIN105"] = R941, ["FLO-MIN106"] = R941, ["FLO-MIN106D"] = R941, ["FLO-MINSP6"] = R941, ["FLO-FLG001"] = R941,
        ["FLO-PRO001"] = R941, ["FLO-PRO002"] = R941, ["FLO-PRO002M"] = R941, ["FLO-PRO002-ECO"] = R941,
        // Neither R9.4.1 nor R10.4.1: named so that a model for one of those refuses them rather than warns.
        ["FLO-MIN107"] = "R9.5", ["FLO-MIN111"] = "R10.3", ["FLO-PRO111"] = "R10.3",
        ["FLO-MIN112"] = "R10.4", ["FLO-FLG112"] = "R10.4", ["FLO-PRO112"] = "R10.4",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>What the product code, kit, experiment type and protocol name of a read's run say; unknown parts stay unknown.</summary>
    /// <param name="flowCellProductCode">e.g. FLO-MIN114 (POD5 run info, FAST5 tracking_id, SLOW5 header).</param>
    /// <param name="sequencingKit">e.g. SQK-LSK114, any case.</param>
    /// <param name="experimentType">e.g. genomic_dna or rna (context_tags: experiment_type, or experiment_kit in 2016 files).</param>
    /// <param name="protocol">The protocol script name (exp_script_name, protocol_name), which embeds both codes, e.g.
    /// "sequencing/sequencing_MIN114_DNA_e8_2_400T:FLO-MIN114:SQK-RBK114-96:400"; read only for a code the file lacks.</param>
    public static SequencingChemistry From(string? flowCellProductCode, string? sequencingKit, string? experimentType, string? protocol)
    {
        var flowCell = Code(flowCellProductCode) ?? FromProtocol(FlowCellInProtocol(), protocol);
        var kit = Code(sequencingKit) ?? FromProtocol(KitInProtocol(), protocol);
        var (kitPore, kitMolecule) = OfKit(kit);
        var pore = OfFlowCell(flowCell) ?? kitPore;
        var molecule = kitMolecule != Molecule.Unknown ? kitMolecule : OfExperimentType(experimentType);
        if (molecule == Molecule.Unknown && pore == Rna004) molecule = Molecule.Rna;
        var evidence = string.Join(", ", new[] { flowCell is null ? null : $"flow cell {flowCell}", kit is null ? null : $"kit {kit}",
            flowCell is null && kit is null && experimentType is not null ? $"experiment type {experimentType}" : null }.OfType<string>());
        return new SequencingChemistry(pore, molecule)
        {
            Evidence = evidence.Length > 0 ? evidence : null, FlowCellProductCode = flowCell, SequencingKit = kit,
        };
    }

    /// <summary>The chemistry of a read, from the run metadata its reader found.</summary>
    public static SequencingChemistry Of(Read read) =>
        From(read.FlowCellProductCode, read.SequencingKit, read.ExperimentType, read.SequencingProtocol);

    /// <summary>
    /// Parses a model manifest's <c>chemistry</c>: a pore ("R9.4.1", "R10.4.1", "RNA004") and a molecule
    /// ("DNA", "RNA") separated by spaces, in either order; an unrecognised word leaves that part unknown.
    /// </summary>
    public static SequencingChemistry Parse(string? text)
    {
        string? pore = null;
        var molecule = Molecule.Unknown;
        foreach (var word in (text ?? "").Split([' ', '\t', '_', '/'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Equals("DNA", StringComparison.OrdinalIgnoreCase)) molecule = Molecule.Dna;
            else if (word.Equals("RNA", StringComparison.OrdinalIgnoreCase)) molecule = Molecule.Rna;
            else if (word.Equals(Rna004, StringComparison.OrdinalIgnoreCase)) (pore, molecule) = (Rna004, Molecule.Rna);
            else if (PoreVersion().IsMatch(word)) pore = "R" + word[1..];
        }
        return new SequencingChemistry(pore, molecule) { Evidence = text };
    }

    /// <summary>Where this was read from ("flow cell FLO-MIN114, kit SQK-RBK114-96"); null when nothing was. Not part of equality.</summary>
    public string? Evidence { get; init; }

    /// <summary>
    /// The flow cell product code the run metadata names (FLO-MIN106), from its own field or else from the protocol name;
    /// null when neither says. Shown to the operator beside the run; not part of equality.
    /// </summary>
    public string? FlowCellProductCode { get; init; }

    /// <summary>The sequencing kit the run metadata names (SQK-LSK108), from its own field or else from the protocol name; not part of equality.</summary>
    public string? SequencingKit { get; init; }

    /// <summary>
    /// True when a part this chemistry knows differs from the same part of <paramref name="model"/>'s:
    /// an R10.4.1 read for an R9.4.1 model, an RNA read for a DNA model.
    /// </summary>
    public bool Contradicts(SequencingChemistry model) =>
        (Pore is not null && model.Pore is not null && !string.Equals(Pore, model.Pore, StringComparison.OrdinalIgnoreCase))
        || (Molecule != Molecule.Unknown && model.Molecule != Molecule.Unknown && Molecule != model.Molecule);

    /// <summary>True when every part <paramref name="model"/> states is known here and the same.</summary>
    public bool Confirms(SequencingChemistry model) =>
        !Contradicts(model)
        && (model.Pore is null || Pore is not null)
        && (model.Molecule == Molecule.Unknown || Molecule != Molecule.Unknown);

    /// <summary>"R10.4.1 DNA", "R9.4.1", "RNA", or "unknown".</summary>
    public override string ToString()
    {
        var molecule = Molecule switch { Molecule.Dna => "DNA", Molecule.Rna => "RNA", _ => null };
        var text = string.Join(' ', new[] { Pore, Pore == Rna004 ? null : molecule }.OfType<string>());
        return text.Length > 0 ? text : "unknown";
    }

    /// <summary>Compares the pore and molecule only; <see cref="Evidence"/> says where they came from, not what they are.</summary>
    public bool Equals(SequencingChemistry? other) =>
        other is not null && string.Equals(Pore, other.Pore, StringComparison.OrdinalIgnoreCase) && Molecule == other.Molecule;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Pore?.ToUpperInvariant(), Molecule);

    private static string? OfFlowCell(string? code)
    {
        if (code is null) return null;
        if (PoreOfFlowCell.TryGetValue(code, out var pore)) return pore;
        var number = FlowCellNumber().Match(code);
        if (!number.Success) return null;
        if (number.Groups["number"].Value == "114") return R1041;
        if (number.Groups["number"].Value == "004" && number.Groups["suffix"].Value.StartsWith("RA", StringComparison.OrdinalIgnoreCase)) return Rna004;
        return null;
    }

    private static (string? Pore, Molecule Molecule) OfKit(string? kit)
    {
        if (kit is null) return (null, Molecule.Unknown);
        var match = KitName().Match(kit);
        if (!match.Success) return (null, Molecule.Unknown);
        var family = match.Groups["family"].Value.ToUpperInvariant();
        var number = match.Groups["number"].Value;
        if (family == "RNA")
        {
            // RNA001/002 ran on R9.4.1 flow cells, RNA004 on its own RNA pore.
            return (number is "001" or "002" ? R941 : number == "004" ? Rna004 : null, Molecule.Rna);
        }
        // Kit 14 chemistry runs only on R10.4.1; LSK108 (2016) only on R9.4/R9.4.1. Other kits (109, 110, 004 …)
        // ran on more than one pore, so they say DNA but not which pore.
        var pore = number == "114" ? R1041 : family == "LSK" && number == "108" ? R941 : null;
        return (pore, Molecule.Dna);
    }

    private static Molecule OfExperimentType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type)) return Molecule.Unknown;
        var t = type.ToLowerInvariant();
        if (t.Contains("dna", StringComparison.Ordinal)) return Molecule.Dna; // genomic_dna, cdna
        if (t.Contains("rna", StringComparison.Ordinal)) return Molecule.Rna;
        return Molecule.Unknown;
    }

    private static string? Code(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToUpperInvariant();

    private static string? FromProtocol(Regex code, string? protocol) =>
        protocol is null ? null : code.Match(protocol) is { Success: true } m ? m.Value.ToUpper(CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"^R\d+(\.\d+)*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PoreVersion();

    [GeneratedRegex(@"^FLO-[A-Z]+(?<number>\d{3})(?<suffix>[A-Z]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FlowCellNumber();

    [GeneratedRegex(@"^SQK-(?<family>[A-Z0-9]*?[A-Z])(?<number>\d{3})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KitName();

    [GeneratedRegex(@"FLO-[A-Z0-9]+(-[A-Z]+)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FlowCellInProtocol();

    [GeneratedRegex(@"SQK-[A-Z0-9]+(-[A-Z0-9]+)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KitInProtocol();
}
