using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;

namespace Dipper.Compiler.Tests;

/// <summary>Runs .tflite bytes in the real TFLite runtime (libtensorflowlite_c through Dipper.Tpu).</summary>
internal static class TfliteRunner
{
    public sealed record Result<T>(T[] Output, int[] OutputShape, TfLiteQuantizationParams InputQuantisation, TfLiteQuantizationParams OutputQuantisation);

    public static void RequireLibrary()
    {
        var location = NativeLibraries.Locate(NativeLibraries.TfLite);
        Assert.True(location.Found,
            "libtensorflowlite_c.so not found: the test build fetches it with npm, so install npm (apt-get install npm) " +
            "or run .ci/fetch-tflite.sh (puts it in .native/<rid>/). Tried: " + string.Join("; ", location.Tried));
    }

    public static Result<TOut> Run<TIn, TOut>(byte[] model, TIn[] input) where TIn : unmanaged where TOut : unmanaged
    {
        RequireLibrary();
        using var loaded = TfliteModel.FromBytes(model, "test model");
        using var interpreter = new TfliteInterpreter(loaded, new TfliteInterpreterOptions { Threads = 1 });
        interpreter.AllocateTensors();
        interpreter.Inputs[0].CopyFrom<TIn>(input);
        interpreter.Invoke();
        var output = interpreter.Outputs[0];
        var shape = output.Shape;
        var values = new TOut[shape.Aggregate(1, (a, d) => a * d)];
        output.CopyTo<TOut>(values);
        return new Result<TOut>(values, shape, interpreter.Inputs[0].Quantization, output.Quantization);
    }
}
