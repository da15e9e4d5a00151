using System.Globalization;
using System.Text;
using Dipper.Compiler.Costing;
using Dipper.Compiler.Graph.Lowered;

namespace Dipper.Compiler.Verification;

/// <summary>
/// report.md of a compiled package: what was compiled and how, each operator against the Edge TPU's
/// rules, parameter memory, and the agreement the real runtimes measured. Printed by every compile and
/// saved in the package, so a model that cannot meet the Edge TPU's rules is reported operator by operator.
/// </summary>
public sealed class CompileReport
{
    private readonly StringBuilder _text = new();

    /// <summary>Starts the report.</summary>
    public CompileReport(string model, string source, string output, string target)
    {
        Line($"# dipper compile: {model}");
        Line();
        Line($"- source: {source}");
        Line($"- package: {output}");
        Line($"- target: {target}");
    }

    /// <summary>A free line under the heading in effect.</summary>
    public void Line(string text = "") => _text.AppendLine(text);

    /// <summary>A new section.</summary>
    public void Section(string title)
    {
        Line();
        Line($"## {title}");
        Line();
    }

    /// <summary>The Edge TPU check, operator by operator, and the memory summary.</summary>
    public void EdgeTpu(EdgeTpuCheck check, EdgeTpuCompilerRun compiler, LoweredGraph graph)
    {
        Section("Edge TPU");
        var inv = CultureInfo.InvariantCulture;
        var cut = check.FirstCpuOperator;
        Line(cut is null
            ? $"All {check.Operators.Count} operators meet the Edge TPU's rules: the whole graph can run on the Edge TPU."
            : $"{check.MappedOperators} of {check.Operators.Count} operators map to the Edge TPU; the graph is cut to the CPU at operator {cut.Index} " +
              $"({cut.Operator} '{cut.Name}'): {string.Join("; ", cut.Problems)}. Everything from there runs on the CPU" +
              (cut.Index == check.Operators.Count - 1 ? " (only this last operator)." : "."));
        Line();
        Line(string.Create(inv, $"Parameters: {check.ParameterBytes:N0} bytes of {EdgeTpuCheck.OnChipBytes:N0} on-chip: {check.CachedBytes:N0} cached, {check.StreamedBytes:N0} streamed over USB per inference."));
        Line($"Input {graph.InputTensor.ShapeText} and output {graph.OutputTensor.ShapeText}, static shapes, int8; the batch of {graph.Batch} chunks is the image height, so no tensor has more than 3 dimensions above 1.");
        Line();
        Line("| # | operator | node | output | Edge TPU |");
        Line("|---|---|---|---|---|");
        foreach (var op in check.Operators)
            Line($"| {op.Index} | {op.Operator} | {op.Name} | {op.OutputShape} | {(op.Supported ? "yes" : "no: " + string.Join("; ", op.Problems))} |");
        Line();
        if (compiler.Declined)
        {
            Line($"No Edge TPU model in this package: `--no-edgetpu-compiler` asked for a CPU-only package, so `{EdgeTpuCompilerRun.Executable}` was not run. " +
                 "The appliance runs the int8 TFLite or ONNX model on its CPU; the table above applies the published rules. " +
                 $"For an Edge TPU model, {EdgeTpuCompilerRun.HowToInstall}, and compile again without `--no-edgetpu-compiler`.");
        }
        else if (!compiler.Ran)
        {
            Line($"`{EdgeTpuCompilerRun.Executable}` is not on PATH (it runs only on x86-64 Linux); the table above applies the published rules instead.");
        }
        else
        {
            Line($"`{EdgeTpuCompilerRun.Executable}` exited with {compiler.ExitCode}; compiled model: {(compiler.CompiledModel is null ? "none" : Path.GetFileName(compiler.CompiledModel))}. Its log:");
            Line();
            Line("```");
            Line(compiler.Log.TrimEnd());
            Line("```");
        }
    }

    /// <summary>
    /// The cost model's Edge TPU time per operator and for the whole invocation, beside the operator table:
    /// labelled an estimate, because no Edge TPU measured it.
    /// </summary>
    public void EdgeTpuEstimate(ModelCostEstimate estimate)
    {
        Section("Edge TPU time (estimate, not measured)");
        var inv = CultureInfo.InvariantCulture;
        Line(string.Create(inv, $"Estimated by Dipper's Edge TPU cost model (src/Compiler/Costing/EdgeTpuCostModel.cs: fitted to coral-benchmark's figures and the published 4 TOPS, 8 MB on chip, USB 3), not measured: " +
            $"{estimate.Microseconds:N0} µs per batch of {estimate.Batch} × {estimate.Samples} samples, {estimate.SamplesPerSecond:N0} chunk samples/s " +
            $"({estimate.InvocationMicroseconds:N0} µs per invocation, {estimate.TransferMicroseconds:N0} µs input and output over USB, " +
            $"{estimate.StreamedParameterMicroseconds:N0} µs streaming parameters, {estimate.OperatorMicroseconds:N0} µs in the operators)."));
        if (estimate.CpuOperators > 0)
            Line($"{estimate.CpuOperators} operator(s) run on the CPU after the Edge TPU's part and are not in the estimate.");
        Line();
        Line("| # | operator | node | multiply-adds | activation bytes | µs (estimate) | bound by |");
        Line("|---|---|---|---|---|---|---|");
        foreach (var op in estimate.Operators)
        {
            Line(string.Create(inv, $"| {op.Index} | {op.Operator} | {op.Name} | {op.Macs:N0} | {op.ActivationBytes:N0} | " +
                $"{(op.Bound == CostBound.Cpu ? "CPU" : op.Microseconds.ToString("0.0", inv))} | {Bound(op.Bound)} |"));
        }
    }

    private static string Bound(CostBound bound) => bound switch
    {
        CostBound.Compute => "multiply-adds",
        CostBound.Memory => "activation traffic",
        CostBound.DepthwiseTaps => "depthwise taps",
        CostBound.Free => "nothing (relabels)",
        _ => "runs on the CPU",
    };

    /// <summary>The measured agreement of each compiled model with the float model.</summary>
    public void Agreements(IEnumerable<Agreement> agreements, double minIdentity, double minFrameAgreement, string gate)
    {
        Section("Verification against the float model (ONNX Runtime), on held-out reads");
        var inv = CultureInfo.InvariantCulture;
        Line("| model | reads | frames | frame agreement | basecall identity | lowest read | max abs Δ log-prob | mean abs Δ log-prob |");
        Line("|---|---|---|---|---|---|---|---|");
        foreach (var a in agreements)
        {
            Line(string.Create(inv, $"| {a.Engine} | {a.Reads} | {a.Frames:N0} | {a.FrameAgreement:P2} | {a.BasecallIdentity:P2} | {a.LowestReadIdentity:P2} | {a.MaxAbsLogProbError:F3} | {a.MeanAbsLogProbError:F4} |"));
        }
        Line();
        Line(string.Create(inv, $"Thresholds for {gate}: basecall identity ≥ {minIdentity:P1}, frame agreement ≥ {minFrameAgreement:P1}."));
        Line("Identity is 1 − edit distance / longer call between the greedy calls of the two models.");
    }

    /// <summary>
    /// The int8 TFLite model as the appliance's arm64 CPU computes it, against the float model and the x86-64 int8
    /// model; or why it was not measured (<paramref name="agreement"/> null).
    /// </summary>
    public void Arm64(Arm64Agreement? agreement, int maxChunks)
    {
        Section($"On the appliance's CPU: {Arm64Check.Label}");
        Line("The appliance's CPU runs TFLite's arm64 kernels, whose CONV_2D requantisation floors the high multiply where the x86-64 " +
             "kernels verified above round it, and its DEPTHWISE_CONV_2D rounds ties upward (docs/arm64-int8.md). The managed int8 reference " +
             "computes both as arm64 does; on the bundled model it gave the arm64 runtime's most likely class in 99.5 % of frames (the x86-64 runtime: 96 %).");
        Line();
        if (agreement is null)
        {
            Line($"Not measured: no held-out read fits `--arm64-chunks {maxChunks}`.");
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        Line(string.Create(inv, $"On {agreement.WithFloat.Reads} of the {agreement.HeldOutReads} held-out reads ({agreement.Chunks} chunks; `--arm64-chunks` {agreement.MaxChunks}):"));
        Line();
        Line("| arm64 int8 against | reads | frames | frame agreement | basecall identity | lowest read | max abs Δ log-prob | mean abs Δ log-prob |");
        Line("|---|---|---|---|---|---|---|---|");
        foreach (var (against, a) in new[] { ("float model (ONNX Runtime)", agreement.WithFloat), ("x86-64 int8 (tflite model_int8.tflite)", agreement.WithX86Int8) })
            Line(string.Create(inv, $"| {against} | {a.Reads} | {a.Frames:N0} | {a.FrameAgreement:P2} | {a.BasecallIdentity:P2} | {a.LowestReadIdentity:P2} | {a.MaxAbsLogProbError:F3} | {a.MeanAbsLogProbError:F4} |"));
        Line();
        Line("Reported, not gated on: the thresholds apply to the model verified above.");
    }

    /// <summary>The report as markdown.</summary>
    public override string ToString() => _text.ToString();
}
