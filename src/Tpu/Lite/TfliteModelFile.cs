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
    public static bool IsCompiledForEdgeTpu(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var buffer = new ByteBuffer(bytes);
        if (bytes.Length < 8 || !Model.ModelBufferHasIdentifier(buffer))
            throw new InvalidDataException($"{path}: not a TFLite model (no TFL3 identifier)");
        try
        {
            var model = Model.GetRootAsModel(buffer);
            for (var i = 0; i < model.OperatorCodesLength; i++)
            {
                if (model.OperatorCodes(i) is { CustomCode: EdgeTpuCustomOp }) return true;
            }
            return false;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: damaged TFLite model: {e.Message}", e);
        }
    }
}
