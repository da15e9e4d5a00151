using System.Globalization;
using System.Text.Json;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// What a compiled package's manifest says of how it was made: the source, the passes applied, the
/// reads it was calibrated on and held out, the quantisation, so a package can be traced and rebuilt.
/// </summary>
public static class CompileProvenance
{
    /// <summary>The source manifest with the compiled files, the compiled batch and the provenance.</summary>
    public static ModelManifest Manifest(ModelManifest source, ModelFiles files, int batch, Dictionary<string, JsonElement> provenance) =>
        source with { Files = files, Chunk = source.Chunk with { Batch = batch }, Provenance = provenance };

    /// <summary>The provenance of a compile, before verification adds its agreements.</summary>
    public static Dictionary<string, JsonElement> Of(ModelSource source, CompileSettings settings, CalibrationSet set, LoweredGraph int8)
    {
        var provenance = new Dictionary<string, JsonElement>(source.Provenance)
        {
            ["compiler"] = JsonSerializer.SerializeToElement($"dipper compile --target {(settings.Target == CompileTarget.EdgeTpu ? "edgetpu" : "cpu")}" +
                (settings.RunEdgeTpuCompiler ? "" : " --no-edgetpu-compiler")),
            ["passes"] = JsonSerializer.SerializeToElement(PassNames(settings)),
            ["parameters"] = JsonSerializer.SerializeToElement(source.Graph.ParameterCount),
            ["calibration"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>(CalibrateStage.Summary(set))
            {
                ["heldOutReads"] = set.HeldOut.Select(r => r.ReadId).ToArray(),
                ["ranges"] = DescribeRanges(settings),
            }),
            ["quantisation"] = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["weights"] = "int8 symmetric per output channel",
                ["activations"] = "int8 asymmetric per tensor",
                ["biases"] = "int32, scale = input scale × weight scale",
                ["inputScale"] = int8.InputTensor.Quantisation!.Parameters.Scale,
                ["inputZeroPoint"] = int8.InputTensor.Quantisation.Parameters.ZeroPoint,
                ["outputScale"] = int8.OutputTensor.Quantisation!.Parameters.Scale,
                ["outputZeroPoint"] = int8.OutputTensor.Quantisation.Parameters.ZeroPoint,
            }),
        };
        provenance.Remove("compiledFrom");
        if (source.Provenance.TryGetValue("compiledFrom", out var from)) provenance["compiledFrom"] = from;
        return provenance;
    }

    /// <summary>The passes a compile with <paramref name="settings"/> applies, in order.</summary>
    public static string[] PassNames(CompileSettings settings) =>
        [FoldBatchNorm.PassName, .. settings.Compression is { } c ? [c.PassName] : Array.Empty<string>(), LowerSwish.PassName, LowerToNhwc.PassName, Int8Quantiser.PassName, .. settings.BiasCorrection ? [Int8Quantiser.BiasCorrectionName] : Array.Empty<string>()];

    /// <summary>How activation ranges were chosen, in words.</summary>
    public static string DescribeRanges(CompileSettings settings) => settings.Range switch
    {
        RangeMethod.Percentile => string.Create(CultureInfo.InvariantCulture, $"percentile {settings.Percentile}"),
        RangeMethod.Mse => "least squared error",
        _ => "min/max",
    };
}
