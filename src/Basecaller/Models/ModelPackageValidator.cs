using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Dipper.Basecaller.Models;

/// <summary>
/// Decides whether a model package is safe to make the appliance's active model: the manifest
/// parses and is complete, every engine file has a SHA-256 in the manifest and every listed file
/// matches it (a truncated copy or a flipped bit on an SD card is caught here), the ONNX model
/// loads in ONNX Runtime and turns one all-zero chunk into log-probabilities of the shape the
/// manifest promises (for a model with dynamic pooling, both its parts with the host's pooling between
/// them: <see cref="PooledTestInference"/>), and so does the TFLite model (a pooled model's part after the pooling,
/// when compiled, through <see cref="ModelPackage.AfterPoolingPart"/>) in the TFLite C library (a model compiled for the
/// Edge TPU, which needs a TPU to run, has its file and tensor shapes checked; that check needs Dipper.Tpu and
/// is handed in as an <see cref="ITfliteModelCheck"/>). Run by <c>dipperd activate-model</c> on the appliance and
/// by <c>dipper flash</c> before it uploads, so a bad package is refused before the running model is touched.
/// </summary>
public static class ModelPackageValidator
{
    /// <summary>Validates the package in <paramref name="directory"/> and returns it loaded.</summary>
    /// <param name="directory">The package folder.</param>
    /// <param name="tflite">Runs or checks the package's TFLite models (Dipper.Tpu.Models.TfliteTestInference).</param>
    /// <exception cref="ModelPackageRejectedException">Any check failed; the message names the file and the check.</exception>
    public static ModelPackage Validate(string directory, ITfliteModelCheck tflite)
    {
        ArgumentNullException.ThrowIfNull(tflite);
        var where = Path.GetFullPath(directory);
        ModelPackage package;
        try
        {
            package = ModelPackage.Load(directory);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ModelPackageRejectedException(where, e.Message, e);
        }
        VerifyChecksums(package);
        if (package.Manifest.Pooling is not null) PooledTestInference.Run(package);
        if (package.OnnxPath is { } onnx) TestInference(package, onnx);
        if (package.TflitePath is { } tflitePath) tflite.Check(package, tflitePath, mustBeCompiledForEdgeTpu: false);
        if (package.TfliteEdgeTpuPath is { } compiled) tflite.Check(package, compiled, mustBeCompiledForEdgeTpu: true);
        // A pooled package's int8 part after the pooling is checked as the engines will run it: as a package of its own.
        if (package.AfterPoolingPart is { TflitePath: { } partTflite } part)
        {
            tflite.Check(part, partTflite, mustBeCompiledForEdgeTpu: false);
            if (part.TfliteEdgeTpuPath is { } partCompiled) tflite.Check(part, partCompiled, mustBeCompiledForEdgeTpu: true);
        }
        return package;
    }

    /// <summary>Checks the files against the SHA-256 sums in the manifest.</summary>
    /// <exception cref="ModelPackageRejectedException">An engine file has no sum, a listed file is missing or outside the package, or a sum differs.</exception>
    public static void VerifyChecksums(ModelPackage package)
    {
        var sums = package.Manifest.Files.Sha256;
        foreach (var engineFile in new[] { package.Manifest.Files.Onnx, package.Manifest.Files.Tflite, package.Manifest.Files.TfliteEdgeTpu,
                     package.Manifest.Pooling?.Before.Onnx, package.Manifest.Pooling?.After.Onnx,
                     package.Manifest.Pooling?.After.Tflite, package.Manifest.Pooling?.After.TfliteEdgeTpu })
        {
            if (engineFile is not null && !sums.ContainsKey(engineFile))
                throw new ModelPackageRejectedException(package.Directory, $"{engineFile} has no SHA-256 in {ModelPackage.ManifestFileName}");
        }
        foreach (var (name, expected) in sums)
        {
            var path = Path.GetFullPath(Path.Combine(package.Directory, name));
            if (Path.IsPathRooted(name) || !path.StartsWith(package.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ModelPackageRejectedException(package.Directory, $"checksum entry '{name}' points outside the package");
            if (!File.Exists(path))
                throw new ModelPackageRejectedException(package.Directory, $"{name} is listed in {ModelPackage.ManifestFileName} but missing");
            string actual;
            try
            {
                using var stream = File.OpenRead(path);
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModelPackageRejectedException(package.Directory, $"{name}: {e.Message}", e);
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new ModelPackageRejectedException(package.Directory, $"{name}: SHA-256 is {actual}, the manifest says {expected}");
        }
    }

    /// <summary>Runs the ONNX model on one all-zero batch and checks the output shape against the manifest.</summary>
    /// <exception cref="ModelPackageRejectedException">The model does not load, has other input/output names, or gives another shape or non-finite values.</exception>
    public static void TestInference(ModelPackage package, string onnxPath)
    {
        var m = package.Manifest;
        var batch = m.Chunk.Batch ?? 1;
        var samples = m.Chunk.Samples;
        int[] expected = [batch, samples / m.Stride, m.Alphabet.Length];
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var session = new InferenceSession(onnxPath, options);
            if (!session.InputMetadata.ContainsKey(m.Files.OnnxInput))
                throw new ModelPackageRejectedException(package.Directory, $"{m.Files.Onnx} has no input named '{m.Files.OnnxInput}'");
            if (!session.OutputMetadata.ContainsKey(m.Files.OnnxOutput))
                throw new ModelPackageRejectedException(package.Directory, $"{m.Files.Onnx} has no output named '{m.Files.OnnxOutput}'");
            var input = new DenseTensor<float>(new float[batch * samples], [batch, 1, samples]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(m.Files.OnnxInput, input)], [m.Files.OnnxOutput]);
            var output = results.Single().AsTensor<float>();
            var shape = output.Dimensions.ToArray();
            if (!shape.SequenceEqual(expected))
                throw new ModelPackageRejectedException(package.Directory,
                    $"test inference on a zero chunk gave shape [{string.Join(", ", shape)}], the manifest implies [{string.Join(", ", expected)}]");
            foreach (var value in output)
            {
                if (!float.IsFinite(value))
                    throw new ModelPackageRejectedException(package.Directory, "test inference on a zero chunk gave non-finite log-probabilities");
            }
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageRejectedException(package.Directory, $"{m.Files.Onnx} does not run in ONNX Runtime: {e.Message}", e);
        }
    }
}
