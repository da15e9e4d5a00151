using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Commands;

/// <summary>The device a compiled package is meant for; it decides which compiled model must pass verification.</summary>
public enum CompileTarget
{
    /// <summary>The Coral Edge TPU: the int8 TFLite model is verified and must pass.</summary>
    EdgeTpu,

    /// <summary>A CPU with ONNX Runtime: the int8 ONNX (QDQ) model is verified and must pass.</summary>
    Cpu,
}

/// <summary>Everything <c>dipper compile</c> was asked to do.</summary>
public sealed record CompileSettings
{
    /// <summary>PyTorch checkpoint (.pth), ONNX file this tool exported, or model package folder.</summary>
    public required string Model { get; init; }

    /// <summary>Signal files or folders to calibrate and verify on.</summary>
    public required IReadOnlyList<string> Calibration { get; init; }

    /// <summary>Package folder to write.</summary>
    public required string Output { get; init; }

    /// <summary>Which device the package is for.</summary>
    public CompileTarget Target { get; init; } = CompileTarget.EdgeTpu;

    /// <summary>
    /// Run Coral's edgetpu_compiler. With <see cref="CompileTarget.EdgeTpu"/> a compile without it fails
    /// rather than write a package with no Edge TPU model; false (<c>--no-edgetpu-compiler</c>) writes such a
    /// CPU-only package knowingly, and its manifest and report.md say so.
    /// </summary>
    public bool RunEdgeTpuCompiler { get; init; } = true;

    /// <summary>Chunks per invocation of the compiled models (the image height on the Edge TPU).</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Calibration set sizes.</summary>
    public CalibrationSetOptions Set { get; init; } = new();

    /// <summary>How activation ranges are chosen.</summary>
    public RangeMethod Range { get; init; } = RangeMethod.Percentile;

    /// <summary>Share of values kept at each tail by <see cref="RangeMethod.Percentile"/>.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Correct each bias for the mean shift its weights' rounding causes.</summary>
    public bool BiasCorrection { get; init; } = true;

    /// <summary>
    /// Default for <see cref="MinIdentity"/>. The default model agrees at 93.5–96.5 % depending on
    /// the reads (and loses about 0.2 points of identity to the reference genome); a broken
    /// quantisation (a wrong scale, a clipped layer) falls far below.
    /// </summary>
    public const double DefaultMinIdentity = 0.92;

    /// <summary>Default for <see cref="MinFrameAgreement"/> (the default model: 91–93 %).</summary>
    public const double DefaultMinFrameAgreement = 0.85;

    /// <summary>Lowest acceptable mean basecall identity between the compiled and the float model.</summary>
    public double MinIdentity { get; init; } = DefaultMinIdentity;

    /// <summary>Lowest acceptable share of frames with the float model's most likely class.</summary>
    public double MinFrameAgreement { get; init; } = DefaultMinFrameAgreement;

    /// <summary>Keep the final log-softmax in the TFLite graph (false: the engine applies it).</summary>
    public bool LogSoftmaxInGraph { get; init; } = true;

    /// <summary>Pruning or factorisation of every layer before quantisation; null for none.</summary>
    public Passes.Compression.ModelCompressionOptions? Compression { get; init; }

    /// <summary>Calibration chunks the compression is calibrated on (taken evenly from the calibration chunks).</summary>
    public int CompressionChunks { get; init; } = Passes.Compression.ModelCompressionOptions.DefaultCalibrationChunks;

    /// <summary>Default for <see cref="Arm64Chunks"/>: the 8 default held-out R9.4 reads take about 150 (0.1–0.2 CPU-s each).</summary>
    public const int DefaultArm64Chunks = 200;

    /// <summary>
    /// At most this many chunks of held-out reads (whole reads, from the first) are run through the managed int8
    /// reference with arm64's requantisation, which is plain loops; 0 leaves the arm64 check out.
    /// </summary>
    public int Arm64Chunks { get; init; } = DefaultArm64Chunks;

    /// <summary>Threads for calibration and the runtimes.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
}
