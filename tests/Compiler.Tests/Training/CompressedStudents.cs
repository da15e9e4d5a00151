using Dipper.Compiler.Commands;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// Students for the fine-tuning tests, made by the product's own <c>dipper compress</c> on a few chunks of the test
/// reads: the default model magnitude-pruned to 50 % and DSF-factorised at 50 %. Made once per test class. The
/// magnitude-pruned one is plain one-shot pruning (not fitted to the dense output), a start far enough from the teacher
/// that a dozen steps of training measurably move it; fitted, it starts so near that a dozen steps at 1e-3 overshoot.
/// </summary>
public sealed class CompressedStudents : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-students-").FullName;
    private readonly Dictionary<CompressionMethod, Lazy<string>> _packages;

    public CompressedStudents()
    {
        _packages = new[] { CompressionMethod.Magnitude, CompressionMethod.Dsf }.ToDictionary(m => m, m => new Lazy<string>(() => Compress(m)));
    }

    /// <summary>The package folder of the default model compressed by <paramref name="method"/> at 50 %.</summary>
    public string Package(CompressionMethod method) => _packages[method].Value;

    private string Compress(CompressionMethod method)
    {
        var folder = Path.Combine(_folder, method.ToString().ToLowerInvariant());
        var request = new CompressCommand.Request(TestData.Checkpoint, [TestData.Reads], folder,
            new ModelCompressionOptions { Method = method, Sparsity = 0.5, Threads = 2, FitDenseOutput = method != CompressionMethod.Magnitude },
            Chunks: 8, ChunksPerRead: 2);
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = CompressCommand.RunAsync(request, output, errors, CancellationToken.None).GetAwaiter().GetResult();
        if (code != 0) throw new InvalidOperationException($"dipper compress {method} failed ({code}): {errors}");
        return folder;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
