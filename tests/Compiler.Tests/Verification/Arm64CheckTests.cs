using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Pipeline;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Quantisation;
using Dipper.Compiler.Tests.Quantisation;
using Dipper.Compiler.Verification;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;

namespace Dipper.Compiler.Tests.Verification;

/// <summary>
/// The arm64 check on a small swish network (CONV_2D, LOGISTIC, MUL: the graph whose int8 outputs part most between
/// the two roundings), run over whole reads as verification runs models: the float and x86-64 int8 models by the real
/// TFLite runtime, arm64 by the managed reference.
/// </summary>
public sealed class Arm64CheckTests : IDisposable
{
    private static readonly ChunkLayout Layout = new(SmallGraphs.Samples, 40, 1);
    private static readonly CtcAlphabet Alphabet = new("NACGT", 0);
    private readonly LoweredGraph _int8;
    private readonly TfliteEngine _float;
    private readonly TfliteEngine _x86;

    public Arm64CheckTests()
    {
        TfliteRunner.RequireLibrary();
        var graph = SmallGraphs.Build(7, (g, x) =>
        {
            var y = g.Conv(g.Conv(x, 1, 5, 3), 5, 5, 1);
            return g.Node("swish", new Mul(), y, g.Node("swish.sigmoid", new Logistic(), y));
        });
        (var lowered, _int8) = SmallGraphs.Quantise(graph);
        _float = Engine(lowered);
        _x86 = Engine(_int8);
    }

    private static TfliteEngine Engine(LoweredGraph graph)
    {
        using var model = TfliteModel.FromBytes(TfliteExporter.Export(graph), graph.Name);
        return new TfliteEngine(model);
    }

    private static List<HeldOutRead> Reads(params int[] samples) =>
        samples.Select((n, i) => new HeldOutRead($"read{i}", SmallGraphs.Signal(20 + i, 1, n))).ToList();

    private static Agreement Measure(IInferenceEngine expected, IInferenceEngine actual, IReadOnlyList<HeldOutRead> reads) =>
        ModelVerifier.Compare("candidate", expected, actual, Layout, Alphabet, reads, null, CancellationToken.None);

    [Fact]
    public void Reference_engine_with_x86_rounding_equals_the_x86_tflite_engine_on_whole_reads()
    {
        using var reference = new Int8ReferenceEngine("int8 reference (x86-64)", _int8, TieRounding.Upward, threads: 2);

        var agreement = Measure(_x86, reference, Reads(400, 170, 61));

        Assert.Equal((0.0, 1.0, 1.0), (agreement.MaxAbsLogProbError, agreement.FrameAgreement, agreement.BasecallIdentity));
        Assert.Equal(400 + 170 + 61, agreement.Frames);
    }

    [Fact]
    public void Arm64_figures_come_from_the_arm64_rounding_not_the_x86_one()
    {
        using var arm64 = new Int8ReferenceEngine("int8 reference (arm64)", _int8, TieRounding.TruncatedHighMultiplyUpward);
        var reads = Reads(400, 400, 400);

        var measured = Arm64Check.Compare(_float, _x86, arm64, Layout, Alphabet, reads, maxChunks: 1000, null, CancellationToken.None)!;

        // The arm64 outputs part from x86-64's where the floored high multiply crosses a half: not everywhere, but somewhere.
        Assert.InRange(measured.WithX86Int8.MaxAbsLogProbError, 1e-6, 1);
        Assert.Equal(Measure(_x86, arm64, reads), measured.WithX86Int8 with { Engine = "candidate" });
        Assert.Equal(Measure(_float, arm64, reads), measured.WithFloat with { Engine = "candidate" });
        Assert.NotEqual(Measure(_float, _x86, reads).MeanAbsLogProbError, measured.WithFloat.MeanAbsLogProbError);
        Assert.Equal((3, 3 * Layout.ChunkCount(400), 3), (measured.WithFloat.Reads, measured.Chunks, measured.HeldOutReads));
    }

    [Fact]
    public void Reads_are_taken_whole_from_the_first_until_the_chunk_budget_is_spent()
    {
        var reads = Reads(400, 170, 61, 400); // 10, 4, 2 and 10 chunks of 60 samples, 40 apart

        Assert.Equal(["read0", "read1"], Arm64Check.Within(reads, Layout, 14).Select(r => r.ReadId));
        Assert.Equal(["read0", "read1", "read2"], Arm64Check.Within(reads, Layout, 24).Select(r => r.ReadId));
        Assert.Empty(Arm64Check.Within(reads, Layout, 9));
        Assert.Null(Arm64Check.Compare(_float, _x86, _x86, Layout, Alphabet, reads, 9, null, CancellationToken.None));
    }

    [Fact]
    public void Report_gives_the_arm64_line_with_its_reads_chunks_and_both_comparisons()
    {
        using var arm64 = new Int8ReferenceEngine("int8 reference (arm64)", _int8, TieRounding.TruncatedHighMultiplyUpward);
        var measured = Arm64Check.Compare(_float, _x86, arm64, Layout, Alphabet, Reads(400, 170, 400), 14, null, CancellationToken.None)!;
        var report = new CompileReport("small", "small.onnx", "out", "CPU");

        report.Arm64(measured, 14);

        var text = report.ToString();
        Assert.Contains("## On the appliance's CPU: arm64 (Raspberry Pi, TFLite's built-in kernels), computed by the managed reference", text);
        Assert.Contains("On 2 of the 3 held-out reads (14 chunks; `--arm64-chunks` 14):", text);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Assert.Contains(string.Create(inv, $"| float model (ONNX Runtime) | 2 | 570 | {measured.WithFloat.FrameAgreement:P2} |"), text);
        Assert.Contains(string.Create(inv, $"| x86-64 int8 (tflite model_int8.tflite) | 2 | 570 | {measured.WithX86Int8.FrameAgreement:P2} | {measured.WithX86Int8.BasecallIdentity:P2} |"), text);
    }

    public void Dispose()
    {
        _float.Dispose();
        _x86.Dispose();
    }
}
