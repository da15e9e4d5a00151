using System.CommandLine;
using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper compile --model CHECKPOINT_OR_ONNX_OR_PACKAGE --calibration DIR --target edgetpu|cpu -o PACKAGE_DIR</c>:
/// turns a trained model into a package the appliance runs on its Edge TPU or CPU: int8 quantisation
/// calibrated on real reads, TFLite and ONNX exports, an Edge TPU report, and verification of every
/// file by the real runtimes on held-out reads. A compile that falls short writes no package, and so
/// does <c>--target edgetpu</c> without Coral's edgetpu_compiler unless <c>--no-edgetpu-compiler</c> asks
/// for a CPU-only package. With
/// <c>--prune</c> or <c>--factorize</c> every layer is first compressed (see <see cref="CompressionArguments"/>).
/// </summary>
public static class CompileCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = "PyTorch checkpoint (.pth) of the default model, an ONNX file Dipper exported (with its manifest.json beside it), or a model package folder",
            Required = true,
        };
        var calibration = new Option<string[]>("--calibration", "-c")
        {
            Description = "Signal files or folders (POD5, FAST5, SLOW5, BLOW5) to calibrate on; some reads are held out to verify on",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--output", "-o") { Description = "Package folder to write (files it holds are replaced)", Required = true };
        var target = new Option<string>("--target") { Description = "edgetpu (int8 TFLite must pass verification) or cpu (int8 ONNX must pass)", DefaultValueFactory = _ => "edgetpu" };
        target.AcceptOnlyFromAmong("edgetpu", "cpu");
        var batch = new Option<int>("--batch") { Description = "Chunks per invocation of the compiled models", DefaultValueFactory = _ => 8 };
        var chunks = new Option<int>("--calibration-chunks") { Description = "Chunks to calibrate activation ranges on", DefaultValueFactory = _ => 256 };
        var perRead = new Option<int>("--chunks-per-read") { Description = "At most this many calibration chunks from one read, spread along it", DefaultValueFactory = _ => 8 };
        var reads = new Option<int>("--verification-reads") { Description = "Whole reads held out of calibration to verify on", DefaultValueFactory = _ => 8 };
        var range = new Option<string>("--range") { Description = "Activation range: percentile, minmax or mse", DefaultValueFactory = _ => "percentile" };
        range.AcceptOnlyFromAmong("percentile", "minmax", "mse");
        var percentile = new Option<double>("--percentile") { Description = "Share of values kept at each tail by --range percentile", DefaultValueFactory = _ => 99.99 };
        var minIdentity = new Option<double>("--min-identity") { Description = "Fail below this mean basecall identity to the float model (0-1)", DefaultValueFactory = _ => CompileSettings.DefaultMinIdentity };
        var minFrames = new Option<double>("--min-frame-agreement") { Description = "Fail below this share of frames agreeing with the float model (0-1)", DefaultValueFactory = _ => CompileSettings.DefaultMinFrameAgreement };
        var arm64Chunks = new Option<int>("--arm64-chunks")
        {
            Description = "Chunks of held-out reads (whole reads, from the first) to compute as the appliance's arm64 CPU does, through the managed int8 reference (0: none)",
            DefaultValueFactory = _ => CompileSettings.DefaultArm64Chunks,
        };
        var noBiasCorrection = new Option<bool>("--no-bias-correction") { Description = "Keep the float biases instead of correcting them for the weights' rounding" };
        var hostSoftmax = new Option<bool>("--host-log-softmax") { Description = "End the TFLite graph at the class scores and leave the log-softmax to the engine" };
        var noEdgeTpuCompiler = new Option<bool>("--no-edgetpu-compiler")
        {
            Description = "Do not run edgetpu_compiler: write a CPU-only package (int8 TFLite and ONNX, no Edge TPU model) even for --target edgetpu",
        };
        var threads = new Option<int>("--threads") { Description = "Threads for calibration and the runtimes", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var command = new Command("compile", "Quantise a model to int8 on real reads, export TFLite and ONNX, check it for the Edge TPU and verify it with the real runtimes")
        {
            model, calibration, output, target, batch, chunks, perRead, reads, range, percentile, minIdentity, minFrames, arm64Chunks, noBiasCorrection, hostSoftmax, noEdgeTpuCompiler, threads,
        };
        var compression = new CompressionArguments(command, required: false);
        command.SetAction(async (result, ct) =>
        {
            var settings = new CompileSettings
            {
                Model = result.GetValue(model)!,
                Calibration = result.GetValue(calibration)!,
                Output = result.GetValue(output)!,
                Target = result.GetValue(target) == "cpu" ? CompileTarget.Cpu : CompileTarget.EdgeTpu,
                RunEdgeTpuCompiler = !result.GetValue(noEdgeTpuCompiler),
                Batch = result.GetValue(batch),
                Set = new CalibrationSetOptions
                {
                    CalibrationChunks = result.GetValue(chunks), ChunksPerRead = result.GetValue(perRead), VerificationReads = result.GetValue(reads),
                },
                Range = result.GetValue(range) switch { "minmax" => RangeMethod.MinMax, "mse" => RangeMethod.Mse, _ => RangeMethod.Percentile },
                Percentile = result.GetValue(percentile),
                MinIdentity = result.GetValue(minIdentity),
                MinFrameAgreement = result.GetValue(minFrames),
                Arm64Chunks = result.GetValue(arm64Chunks),
                LogSoftmaxInGraph = !result.GetValue(hostSoftmax),
                BiasCorrection = !result.GetValue(noBiasCorrection),
                Threads = result.GetValue(threads),
                Compression = compression.Read(result, result.GetValue(threads)),
                CompressionChunks = compression.Chunks(result),
            };
            return await ModelCompilation.RunAsync(settings, Console.Out, Console.Error, ct);
        });
        return command;
    }
}
