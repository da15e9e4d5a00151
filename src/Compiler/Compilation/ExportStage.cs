using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Lowered;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// export: writes the package's model files into the staging folder (float ONNX of the folded graph,
/// int8 QDQ ONNX, int8 TFLite, float TFLite) and says in the manifest's terms which files exist, their
/// tensors and their checksums.
/// </summary>
public static class ExportStage
{
    /// <summary>Writes the four model files into <paramref name="staging"/> (created if missing).</summary>
    /// <param name="staging">The folder the package is built in.</param>
    /// <param name="folded">The float graph the ONNX model is exported from (compressed, if asked).</param>
    /// <param name="calibrated">The calibrated graph the int8 ONNX model is exported from.</param>
    /// <param name="quantised">The lowered float and int8 graphs the TFLite models are exported from.</param>
    /// <param name="name">The model's name, written into the TFLite files' descriptions.</param>
    /// <param name="cancellationToken">Stops the writes.</param>
    public static async Task<ModelFiles> RunAsync(string staging, ModelGraph folded, CalibratedModel calibrated, QuantisedModel quantised, string name,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var files = new Dictionary<string, byte[]>
        {
            [ModelCompilation.OnnxFile] = OnnxExporter.Export(folded),
            [ModelCompilation.OnnxInt8File] = OnnxQdqExporter.Export(calibrated.Graph, quantised.Int8),
            [ModelCompilation.TfliteFile] = TfliteExporter.Export(quantised.Int8, $"{name} int8"),
            [ModelCompilation.TfliteFloatFile] = TfliteExporter.Export(quantised.Float, $"{name} float32"),
        };
        foreach (var (file, bytes) in files) await File.WriteAllBytesAsync(Path.Combine(staging, file), bytes, cancellationToken);
        return Files(files, quantised.Int8);
    }

    private static ModelFiles Files(Dictionary<string, byte[]> files, LoweredGraph int8) => new()
    {
        Onnx = ModelCompilation.OnnxFile,
        OnnxInput = "signal",
        OnnxOutput = "logprobs",
        Tflite = ModelCompilation.TfliteFile,
        TfliteInput = TensorInfo(int8.InputTensor),
        TfliteOutput = TensorInfo(int8.OutputTensor),
        TfliteOutputIsLogits = int8.OutputIsLogits,
        OnnxInt8 = ModelCompilation.OnnxInt8File,
        Sha256 = files.ToDictionary(f => f.Key, f => ModelSource.Sha256(f.Value)),
    };

    /// <summary>A TFLite model's input or output as the manifest records it (name, shape, type, quantisation).</summary>
    public static TfliteTensorInfo TensorInfo(LoweredTensor tensor) => new()
    {
        Name = tensor.Name,
        Shape = tensor.Shape,
        Type = tensor.Type == ElementType.Int8 ? "int8" : "float32",
        Scale = tensor.Quantisation?.Parameters.Scale,
        ZeroPoint = tensor.Quantisation?.Parameters.ZeroPoint,
    };
}
