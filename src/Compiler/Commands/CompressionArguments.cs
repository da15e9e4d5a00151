using System.CommandLine;
using System.Globalization;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Commands;

/// <summary>
/// The compression options <c>dipper compile</c> and <c>dipper compress</c> share:
/// <c>--prune admm|sparsegpt|wanda|magnitude --sparsity S [--nm N:M]</c> or <c>--factorize dsf --sparsity S</c>,
/// which layers to keep dense (<c>--keep-dense</c>), and how many chunks to calibrate the layers on.
/// Contradictions are usage errors (exit 2), found before any file is read; a layer name the model
/// does not have is one too, found once the model is loaded.
/// </summary>
public sealed class CompressionArguments
{
    private static readonly Dictionary<string, CompressionMethod> Pruning = new()
    {
        ["admm"] = CompressionMethod.Admm,
        ["sparsegpt"] = CompressionMethod.SparseGpt,
        ["wanda"] = CompressionMethod.Wanda,
        ["magnitude"] = CompressionMethod.Magnitude,
    };

    /// <summary>The --factorize values that rewrite blocks for the Edge TPU instead of factorising layers.</summary>
    private static readonly Dictionary<string, CompressionMethod> BlockRewrites = new()
    {
        ["ksep"] = CompressionMethod.KSeparable,
        ["s2d"] = CompressionMethod.SpaceToDepth,
        ["ksep,s2d"] = CompressionMethod.KSeparableSpaceToDepth,
    };

    private readonly Option<string?> _prune = new("--prune") { Description = "Prune every convolution and linear layer, calibrated layer after layer on real reads: admm, sparsegpt, wanda or magnitude" };
    private readonly Option<string?> _factorize = new("--factorize") { Description = "Factorise every layer into two sparse layers: dsf (Double Sparse Factorization; depthwise layers are pruned by ADMM); or ksep: every depthwise-separable block into a dense 3-tap and a dilated depthwise convolution for the Edge TPU; s2d: residual blocks into S2D form (stride-3 convolution in, the branch at twice the channels on a third of the frames, transposed convolution out) where the Edge TPU cost model says it pays; ksep,s2d: both (no --sparsity)" };
    private readonly Option<double?> _sparsity = new("--sparsity") { Description = "Fraction of zero weights per layer in [0, 1) (DSF: of the two factors' nonzero budget); implied by --nm" };
    private readonly Option<string?> _nm = new("--nm") { Description = "With --prune: N zeros in every M consecutive inputs (2:4, 4:8); layers whose inputs do not split into groups of M are pruned unstructured to N/M" };
    private readonly Option<int> _chunks = new("--compression-chunks")
    {
        Description = "Calibration chunks the layers are compressed on (spread over the calibration reads)",
        DefaultValueFactory = _ => ModelCompressionOptions.DefaultCalibrationChunks,
    };
    private readonly Option<bool> _noRecalibrate = new("--no-recalibrate") { Description = "Do not match each compressed layer's output channels to the dense model's mean and spread (plain one-shot compression)" };
    private readonly Option<bool> _noDenseFit = new("--no-dense-fit") { Description = "Compress each layer towards its own weights on its new inputs, not towards the weights that give back the dense model's output from them (the fit corrects the errors of the layers before it; off reproduces packages made before it)" };
    private readonly Option<string?> _keepDense = new("--keep-dense")
    {
        Description = "Leave these layers dense (comma-separated): stem (first layer), output (last), depthwise (all depthwise convolutions) or exact layer names as in the report",
    };
    private readonly Option<string?> _ksepOrder = new("--ksep-order")
    {
        Description = "With --factorize ksep or ksep,s2d: dense-first (DeepNano-coral's KSeparableConv, the default) or depthwise-first (the dilated depthwise convolution on the inputs, then the dense 3-tap: each input channel keeps a coarse filter of its own, as in the separable block it replaces)",
    };
    private readonly bool _required;

    /// <summary>Adds the options to <paramref name="command"/>; when <paramref name="required"/>, one of --prune and --factorize must be given.</summary>
    public CompressionArguments(Command command, bool required)
    {
        _required = required;
        _prune.AcceptOnlyFromAmong([.. Pruning.Keys]);
        _factorize.AcceptOnlyFromAmong("dsf", "ksep", "s2d", "ksep,s2d");
        command.Options.Add(_prune);
        command.Options.Add(_factorize);
        command.Options.Add(_sparsity);
        command.Options.Add(_nm);
        command.Options.Add(_chunks);
        command.Options.Add(_noRecalibrate);
        command.Options.Add(_noDenseFit);
        command.Options.Add(_keepDense);
        _ksepOrder.AcceptOnlyFromAmong("dense-first", "depthwise-first");
        command.Options.Add(_ksepOrder);
        command.Validators.Add(Validate);
    }

    /// <summary>Calibration chunks to compress on.</summary>
    public int Chunks(ParseResult result) => result.GetValue(_chunks);

    /// <summary>The compression asked for, or null when none was (only possible when not required).</summary>
    public ModelCompressionOptions? Read(ParseResult result, int threads)
    {
        var prune = result.GetValue(_prune);
        if (prune is null && result.GetValue(_factorize) is null) return null;
        if (BlockRewrites.TryGetValue(result.GetValue(_factorize) ?? "", out var rewrite))
            return new ModelCompressionOptions
            {
                Method = rewrite, Sparsity = 0, Threads = threads, Recalibrate = !result.GetValue(_noRecalibrate), FitDenseOutput = false,
                KSeparableOrder = result.GetValue(_ksepOrder) == "depthwise-first"
                    ? Passes.Factorization.KSeparableOrder.DepthwiseFirst : Passes.Factorization.KSeparableOrder.DenseFirst,
            };
        NmPattern? pattern = result.GetValue(_nm) is { } text && NmPattern.TryParse(text, out var p) ? p : null;
        return new ModelCompressionOptions
        {
            Method = prune is null ? CompressionMethod.Dsf : Pruning[prune],
            Sparsity = pattern?.Sparsity ?? result.GetValue(_sparsity)!.Value,
            Pattern = pattern,
            Threads = threads,
            Recalibrate = !result.GetValue(_noRecalibrate),
            FitDenseOutput = !result.GetValue(_noDenseFit),
            KeepDense = result.GetValue(_keepDense) is { } list ? DenseLayerSelection.Parse(list) : new DenseLayerSelection(),
        };
    }

    private void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var pruning = result.GetResult(_prune) is not null;
        var factorizing = result.GetResult(_factorize) is not null;
        var sparsityGiven = result.GetResult(_sparsity) is not null;
        var nmText = result.GetResult(_nm) is not null ? Value(() => result.GetValue(_nm)) : null;
        var sparsity = sparsityGiven ? Value(() => result.GetValue(_sparsity)) : null;
        if (pruning && factorizing) result.AddError("--prune and --factorize are alternatives; give one");
        if (result.GetResult(_ksepOrder) is not null && !(factorizing && Value(() => result.GetValue(_factorize)) is "ksep" or "ksep,s2d"))
            result.AddError("--ksep-order applies to --factorize ksep and ksep,s2d only");
        if (!pruning && !factorizing)
        {
            if (_required) result.AddError("give --prune admm|sparsegpt|wanda|magnitude or --factorize dsf, with --sparsity S");
            else if (sparsityGiven || nmText is not null) result.AddError("--sparsity and --nm need --prune or --factorize");
            if (result.GetResult(_chunks) is { Implicit: false } && !_required) result.AddError("--compression-chunks needs --prune or --factorize");
            if (result.GetResult(_noRecalibrate) is not null && !_required) result.AddError("--no-recalibrate needs --prune or --factorize");
            if (result.GetResult(_noDenseFit) is not null && !_required) result.AddError("--no-dense-fit needs --prune or --factorize");
            if (result.GetResult(_keepDense) is not null && !_required) result.AddError("--keep-dense needs --prune or --factorize");
            return;
        }
        if (factorizing && Value(() => result.GetValue(_factorize)) is { } rewrite && BlockRewrites.ContainsKey(rewrite))
        {
            // KSeparable and S2D rewrite blocks rather than sparsifying layers: there is no budget to give and no layer to keep.
            if (sparsityGiven) result.AddError($"--factorize {rewrite} takes no --sparsity (it rewrites blocks; it does not sparsify)");
            if (nmText is not null) result.AddError("--nm applies to --prune only");
            if (result.GetResult(_noDenseFit) is not null) result.AddError($"--no-dense-fit applies to --prune and --factorize dsf (--factorize {rewrite} rewrites blocks)");
            if (result.GetResult(_keepDense) is not null) result.AddError("--keep-dense applies to --prune and --factorize dsf");
            return;
        }
        if (result.GetResult(_keepDense) is not null && Value(() => result.GetValue(_keepDense)) is { } keep && DenseLayerSelection.Parse(keep).IsEmpty)
            result.AddError("--keep-dense needs a comma-separated list: stem, output, depthwise or layer names");
        if (sparsity is { } s && !(s >= 0 && s < 1)) result.AddError(string.Create(inv, $"--sparsity must be in [0, 1), got {s}"));
        if (nmText is not null)
        {
            if (factorizing) result.AddError("--nm applies to --prune only (DSF is a factorisation, not a mask)");
            if (!NmPattern.TryParse(nmText, out var nm)) result.AddError($"--nm must be N:M with 0 < N < M ≤ 64, got '{nmText}'");
            else if (sparsity is { } given && Math.Abs(given - nm.Sparsity) > 1e-9)
                result.AddError(string.Create(inv, $"--sparsity {given} contradicts --nm {nmText} (sparsity {nm.Sparsity})"));
        }
        else if (!sparsityGiven)
        {
            result.AddError(factorizing ? "--factorize needs --sparsity S" : "--prune needs --sparsity S (or --nm N:M)");
        }
        if (result.GetResult(_chunks) is { Implicit: false } && Value<int?>(() => result.GetValue(_chunks)) is < 1) result.AddError("--compression-chunks must be at least 1");
    }

    // Values that failed to parse are reported by the parser itself; read them as absent here.
    private static T? Value<T>(Func<T> value)
    {
        try
        {
            return value();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }
}
