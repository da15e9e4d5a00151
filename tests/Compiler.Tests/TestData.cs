using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Dipper.Compiler.Tests;

/// <summary>The test copies of the default model and its PyTorch reference outputs, and an ONNX Runtime runner.</summary>
internal static class TestData
{
    public const int WindowSamples = 1800;
    public const int WindowFrames = 600;
    public const int Classes = 5;

    public static string ModelFolder => Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito");

    /// <summary>The committed default model package (models/sbonito), as the appliance gets it.</summary>
    public static string PackageFolder => Path.Combine(AppContext.BaseDirectory, "data", "packages", "sbonito");

    /// <summary>Ten R9.4 E. coli FAST5 reads (f5c test data, MIT), for calibration and verification.</summary>
    public static string Reads => Path.Combine(AppContext.BaseDirectory, "data", "r94-ecoli");

    /// <summary>The parts of E. coli K-12 DH10B the ten reads map to (samples/r94-ecoli/reference.fasta), two records.</summary>
    public static string ReadsReference => Path.Combine(AppContext.BaseDirectory, "data", "r94-ecoli-reference.fasta");

    public static string Checkpoint => Path.Combine(ModelFolder, "sbonito_80_bb_swish-204000.pth");

    public static string TensorList => Path.Combine(ModelFolder, "tensors.tsv");

    public static string ReferenceFolder => Path.Combine(AppContext.BaseDirectory, "data", "reference", "sbonito");

    public static float[] ReadFloats(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(ReferenceFolder, file));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    /// <summary>Normalised first windows of the three reference reads, concatenated: [3, 1, 1800].</summary>
    public static float[] ReferenceWindows() =>
        Enumerable.Range(0, 3).SelectMany(i => ReadFloats($"read{i}.window0.f32")).ToArray();

    /// <summary>PyTorch's log-probabilities for those windows: [3, 600, 5].</summary>
    public static float[] ReferenceLogProbs() =>
        Enumerable.Range(0, 3).SelectMany(i => ReadFloats($"read{i}.window0_logprobs.f32")).ToArray();

    /// <summary>Runs an ONNX model on signal [batch, 1, samples]; returns the output and its shape.</summary>
    public static (float[] Values, int[] Shape) RunOnnx(byte[] model, float[] signal, int batch, int samples,
        string input = "signal", string output = "logprobs")
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        // The int8 QDQ model writes its swishes as Dipper's table operator.
        using var tableLookup = new Dipper.Basecaller.Inference.DipperOperators();
        tableLookup.AddTo(options);
        using var session = new InferenceSession(model, options);
        var tensor = new DenseTensor<float>(signal, [batch, 1, samples]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        var result = results.Single(r => r.Name == output).AsTensor<float>();
        return (result.ToArray(), result.Dimensions.ToArray());
    }

    public static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
