using Google.FlatBuffers;
using Dipper.Tpu.Schema;

namespace Dipper.Tpu.Lite;

/// <summary>Facts read from a .tflite file without loading the TFLite runtime.</summary>
public static class TfliteModelFile
{
    /// <summary>The custom operator the Edge TPU compiler puts the TPU's part of the graph into.</summary>
    public const string EdgeTpuCustomOp = "edgetpu-custom-op";

    /// <summary>
    /// Whether the model was compiled for the Edge TPU (it contains <see cref="EdgeTpuCustomOp"/>). Such a model
    /// only runs with libedgetpu; an uncompiled one runs on the TPU engine too but entirely on the CPU.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a TFLite FlatBuffer.</exception>
    public static bool IsCompiledForEdgeTpu(string path) => Read(path, model =>
    {
        for (var i = 0; i < model.OperatorCodesLength; i++)
        {
            if (model.OperatorCodes(i) is { CustomCode: EdgeTpuCustomOp }) return true;
        }
        return false;
    });

    /// <summary>
    /// The shapes of the main subgraph's inputs and outputs, in signature order. Read from the file rather than an
    /// interpreter so a model compiled for the Edge TPU, which the CPU cannot prepare, can still be checked
    /// against its package's manifest.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a TFLite FlatBuffer, or has no subgraph.</exception>
    public static TfliteModelShapes ReadShapes(string path) => Read(path, model =>
    {
        if (model.SubgraphsLength == 0 || model.Subgraphs(0) is not { } graph)
            throw new InvalidDataException($"{path}: TFLite model without a subgraph");
        int[] Shape(int tensor) => graph.Tensors(tensor)?.GetShapeArray() ?? [];
        return new TfliteModelShapes(
            [.. Enumerable.Range(0, graph.InputsLength).Select(i => Shape(graph.Inputs(i)))],
            [.. Enumerable.Range(0, graph.OutputsLength).Select(i => Shape(graph.Outputs(i)))]);
    });

    private static T Read<T>(string path, Func<Model, T> read)
    {
        var bytes = File.ReadAllBytes(path);
        var buffer = new ByteBuffer(bytes);
        if (bytes.Length < 8 || !Model.ModelBufferHasIdentifier(buffer))
            throw new InvalidDataException($"{path}: not a TFLite model (no TFL3 identifier)");
        try
        {
            return read(Model.GetRootAsModel(buffer));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: damaged TFLite model: {e.Message}", e);
        }
    }
}
