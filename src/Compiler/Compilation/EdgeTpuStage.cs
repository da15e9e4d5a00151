using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Verification;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// The Edge TPU half of export: runs Coral's <c>edgetpu_compiler</c> on the int8 TFLite model when it
/// is installed, and adds the compiled model it writes to the package's files. A package for the Edge
/// TPU without that model would run on the appliance's CPU while looking like an Edge TPU package, so
/// <c>--target edgetpu</c> refuses to go on without one unless <c>--no-edgetpu-compiler</c> asked for it.
/// </summary>
public static class EdgeTpuStage
{
    /// <summary>
    /// Why a compile for the Edge TPU cannot give the package its Edge TPU model, before anything is
    /// calibrated or written; null when it can (or need not: <c>--target cpu</c>, <c>--no-edgetpu-compiler</c>).
    /// </summary>
    public static string? Precheck(CompileSettings settings) =>
        settings.Target == CompileTarget.EdgeTpu && settings.RunEdgeTpuCompiler && EdgeTpuCompilerRun.Locate() is null
            ? $"--target edgetpu needs Coral's {EdgeTpuCompilerRun.Executable}, which is not on PATH: the package would have no Edge TPU model, " +
              $"so nothing was written. To get one, {EdgeTpuCompilerRun.HowToInstall}. " +
              "To write a CPU-only package (int8 TFLite and ONNX, no Edge TPU model) knowingly, add --no-edgetpu-compiler."
            : null;

    /// <summary>Why a compile for the Edge TPU failed to get its Edge TPU model from a compiler that ran; null when it got one or was not asked to.</summary>
    public static string? Shortfall(CompileSettings settings, EdgeTpuCompilerRun compiler) =>
        settings.Target == CompileTarget.EdgeTpu && settings.RunEdgeTpuCompiler && compiler.CompiledModel is null
            ? $"{EdgeTpuCompilerRun.Executable} exited with {compiler.ExitCode} and wrote no Edge TPU model (its log is in the report above), " +
              "so nothing was written; add --no-edgetpu-compiler to write a CPU-only package knowingly"
            : null;

    /// <summary>What the manifest's provenance says of the package's Edge TPU model: its file, or that there is none and why.</summary>
    public static string Provenance(EdgeTpuCompilerRun compiler) => compiler switch
    {
        { CompiledModel: { } compiled } => Path.GetFileName(compiled),
        { Declined: true } => "none: compiled with --no-edgetpu-compiler, so the appliance runs the int8 TFLite or ONNX model on its CPU",
        { Ran: false } => $"none: {EdgeTpuCompilerRun.Executable} was not on PATH",
        _ => $"none: {EdgeTpuCompilerRun.Executable} exited with {compiler.ExitCode} and wrote none",
    };

    /// <summary>
    /// Compiles the int8 TFLite model in <paramref name="staging"/> (<paramref name="tfliteFile"/>, by default the whole model's
    /// <see cref="ModelCompilation.TfliteFile"/>) for the Edge TPU if asked and the compiler is on PATH.
    /// </summary>
    /// <returns>What the compiler did, and <paramref name="files"/> with the compiled model added when it wrote one.</returns>
    public static async Task<(EdgeTpuCompilerRun Compiler, ModelFiles Files)> RunAsync(string staging, ModelFiles files, CompileSettings settings,
        CancellationToken cancellationToken, string tfliteFile = ModelCompilation.TfliteFile)
    {
        if (!settings.RunEdgeTpuCompiler) return (EdgeTpuCompilerRun.NotRunByChoice, files);
        var compiler = await EdgeTpuCompilerRun.TryRunAsync(Path.Combine(staging, tfliteFile), cancellationToken);
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
