using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// The Edge TPU half of export: runs Coral's <c>edgetpu_compiler</c> on the int8 TFLite model when it
/// is installed, and adds the compiled model it writes to the package's files.
/// </summary>
public static class EdgeTpuStage
{
    /// <summary>Compiles the int8 TFLite model in <paramref name="staging"/> for the Edge TPU, if the compiler is on PATH.</summary>
    /// <returns>What the compiler did, and <paramref name="files"/> with the compiled model added when it wrote one.</returns>
    public static async Task<(EdgeTpuCompilerRun Compiler, ModelFiles Files)> RunAsync(string staging, ModelFiles files, CancellationToken cancellationToken)
    {
        var compiler = await EdgeTpuCompilerRun.TryRunAsync(Path.Combine(staging, ModelCompilation.TfliteFile), cancellationToken);
        if (compiler.CompiledModel is { } compiled)
        {
            var name = Path.GetFileName(compiled);
            files = files with
            {
                TfliteEdgeTpu = name,
                Sha256 = new Dictionary<string, string>(files.Sha256) { [name] = ModelSource.Sha256(await File.ReadAllBytesAsync(compiled, cancellationToken)) },
            };
        }
        return (compiler, files);
    }
}
