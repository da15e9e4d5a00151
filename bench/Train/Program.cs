// bench/train: training samples/s of Dipper's TorchSharp engine (GraphModule) next to PyTorch (Debian's
// python3-torch), same net, weights, chunks, targets, optimiser, threads and step counts, in the same run.
// The net is the default model imported from its checkpoint; the PyTorch side builds it from the exported graph
// (pytorch_steps.py), so both run the same operations in the same order on the same weights. Timed steps run in
// rounds that alternate between the two sides, so a change in the shared host's load hits both alike.
// Usage: Train CHECKPOINT PACKAGE_DIR READS WORK_DIR [--threads N] [--warmup N] [--rounds N] [--round-steps N] [--python PATH]
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dipper.Basecaller.Models;
using Dipper.Bench.Train;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Import;
using Dipper.Compiler.Training;
using TorchSharp;
using static TorchSharp.torch;

var inv = CultureInfo.InvariantCulture;
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Train CHECKPOINT PACKAGE_DIR READS WORK_DIR [--threads N] [--warmup N] [--rounds N] [--round-steps N] [--python PATH]");
    return 2;
}
string Option(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
var (checkpoint, packageDir, reads, work) = (args[0], args[1], args[2], Directory.CreateDirectory(args[3]).FullName);
var threads = int.Parse(Option("--threads", "2"), inv);
var warmup = int.Parse(Option("--warmup", "2"), inv);
var rounds = int.Parse(Option("--rounds", "3"), inv);
var roundSteps = int.Parse(Option("--round-steps", "4"), inv);
var python = Option("--python", "/usr/bin/python3");
const int Batch = 16;
const double LearningRate = 1e-3, Temperature = 2, Target = 0.8;
string[] lossNames = ["ctc", "kl"];

TorchRuntime.Start(threads);

// The net, the chunks (16 reads, one chunk each, normalised by Dipper's pipeline) and the fixed targets.
var manifest = ModelPackage.Load(packageDir).Manifest;
var graph = SbonitoMapper.ToGraph(TorchCheckpoint.Read(checkpoint), Path.GetFileName(checkpoint));
var student = HalfOfEveryPointwiseWeightZero(graph);
var set = await CalibrationSet.LoadAsync([reads], manifest,
    new CalibrationSetOptions { CalibrationChunks = Batch, ChunksPerRead = 1, VerificationReads = 0 }, CancellationToken.None);
if (set.Chunks.Count < Batch) throw new InvalidDataException($"{reads}: {set.Chunks.Count} chunks, {Batch} needed");
var chunks = set.Chunks.Take(Batch).ToArray();
var chunk = chunks[0].Length;
var random = new Random(13);
var targetLengths = Enumerable.Range(0, Batch).Select(_ => random.Next(150, 201)).ToArray();
var targetValues = Enumerable.Range(0, Batch * targetLengths.Max()).Select(_ => random.Next(1, 5)).ToArray();
using var signal = tensor(chunks.SelectMany(c => c).ToArray(), [Batch, 1, chunk]);
using var targets = tensor(targetValues.Select(v => (long)v).ToArray(), [Batch, targetLengths.Max()]);
using var lengths = tensor(targetLengths.Select(v => (long)v).ToArray(), [Batch]);
Tensor teacher;
using (var dense = new GraphModule(graph))
using (no_grad())
{
    dense.eval();
    teacher = dense.forward(signal);
}
using var teacherPosteriors = teacher;
var frames = (int)teacher.shape[1];
using var frameCounts = full(Batch, frames, int64);
var batch = new TrainingBatch(signal, targets, lengths, frameCounts, teacherPosteriors, Temperature);
Export();

// Per loss: warm-up on each side, then rounds that alternate Dipper's steps with PyTorch's.
var dipper = lossNames.ToDictionary(l => l, _ => new List<StepTiming>());
var pytorch = lossNames.ToDictionary(l => l, _ => new List<StepTiming>());
var firstNonFinite = new Dictionary<string, string>();
var recomputed = new Dictionary<string, int>();
using (var reference = new PytorchTrainer(python, work, threads))
{
    foreach (var loss in lossNames)
    {
        using var trainer = new DipperTrainer(loss, loss == "kl" ? student : graph, batch, LearningRate);
        for (var step = 0; step < warmup; step++) dipper[loss].Add(trainer.Step());
        pytorch[loss].AddRange(reference.Steps(loss, warmup));
        for (var round = 0; round < rounds; round++)
        {
            for (var step = 0; step < roundSteps; step++) dipper[loss].Add(trainer.Step());
            pytorch[loss].AddRange(reference.Steps(loss, roundSteps));
            Console.Error.WriteLine(string.Create(inv,
                $"{loss} round {round + 1}/{rounds}: dipper {dipper[loss][^roundSteps..].Sum(s => s.Seconds):F1} s, pytorch {pytorch[loss][^roundSteps..].Sum(s => s.Seconds):F1} s for {roundSteps} steps"));
        }
        if (trainer.Problem is { } problem) firstNonFinite[loss] = problem;
        recomputed[loss] = trainer.Recomputed;
    }
}

// Report.
double SamplesPerSecond(List<StepTiming> steps) => Batch * chunk / Median(steps.Skip(warmup).Select(s => s.Seconds));
double LossShare(List<StepTiming> steps) => steps.Skip(warmup).Sum(s => s.LossSeconds) / steps.Skip(warmup).Sum(s => s.Seconds);
Console.WriteLine(string.Create(inv, $"net: the default model from {Path.GetFileName(checkpoint)} ({graph.Nodes.Count} nodes, {graph.ParameterCount:N0} parameters), training mode (BatchNorm on batch statistics)"));
Console.WriteLine($"batch: {Batch} × {chunk} samples, one chunk from each of {Batch} E. coli reads, normalised by Dipper's pipeline");
Console.WriteLine($"threads: {threads} on each side (set_num_threads; OMP_WAIT_POLICY=PASSIVE); optimiser: Adam, lr {LearningRate.ToString(inv)}");
Console.WriteLine($"losses: ctc (fixed random targets of 150–200 bases); kl (distillation from the dense model at T = {Temperature.ToString(inv)}, student: half of every pointwise weight zero, zeros kept)");
Console.WriteLine($"steps per loss and side: {warmup} warm-up + {rounds * roundSteps} timed ({rounds} rounds of {roundSteps}, the sides taking turns); samples/s from the median step");
Console.WriteLine();
Console.WriteLine($"{"loss",-5} {"dipper samples/s",17} {"pytorch samples/s",18} {"ratio",6} {"loss share (d / p)",19}   {"dipper loss first → last",25}   {"pytorch loss first → last",25}");
foreach (var loss in lossNames)
{
    var (d, p) = (dipper[loss], pytorch[loss]);
    Console.WriteLine(string.Create(inv,
        $"{loss,-5} {SamplesPerSecond(d),17:N0} {SamplesPerSecond(p),18:N0} {SamplesPerSecond(d) / SamplesPerSecond(p),6:F2} {$"{LossShare(d):P1} / {LossShare(p):P1}",19}   {$"{d[0].Loss:G5} → {d[^1].Loss:G5}",25}   {$"{p[0].Loss:G5} → {p[^1].Loss:G5}",25}"));
}
Console.WriteLine();
var nonFinite = new List<string>();
foreach (var loss in lossNames)
{
    var (d, p) = (dipper[loss], pytorch[loss]);
    var agree = Math.Abs(d[0].Loss - p[0].Loss) <= 1e-4 * Math.Abs(p[0].Loss) + 1e-6;
    var sameMagnitude = d[^1].Loss / p[^1].Loss is > 0.5 and < 2;
    foreach (var (side, steps) in new[] { ("dipper", d), ("pytorch", p) })
    {
        var bad = steps.Select((s, i) => (s.Loss, Step: i + 1)).Where(s => !double.IsFinite(s.Loss)).ToList();
        if (bad.Count > 0) nonFinite.Add($"{side} {loss} at step {string.Join(", ", bad.Select(b => b.Step))} of {steps.Count}");
    }
    Console.WriteLine(string.Create(inv,
        $"{loss} loss: first step {(agree ? "agrees" : "DIFFERS")} between the sides (|Δ| {Math.Abs(d[0].Loss - p[0].Loss):G3}; same weights and data), last step {(sameMagnitude ? "of the same magnitude" : "NOT of the same magnitude")}"));
}
Console.WriteLine(string.Create(inv,
    $"CTC's share of the step (its forward and backward, timed inside the step): dipper {LossShare(dipper["ctc"]):P0}, pytorch {LossShare(pytorch["ctc"]):P0} (reference: 57 % of a 6-layer 80-channel net's step, about 45 k samples/s)"));
Console.WriteLine($"dipper passes computed again after libtorch's non-finite gradient fault (docs/training.md), timed in their steps: {string.Join(", ", lossNames.Select(l => $"{l} {recomputed[l]}"))}");
if (nonFinite.Count > 0) Console.WriteLine($"NON-FINITE LOSS: {string.Join("; ", nonFinite)}");
foreach (var (loss, problem) in firstNonFinite) Console.WriteLine($"dipper {loss}: first non-finite value at {problem}");
var missed = lossNames.Where(l => SamplesPerSecond(dipper[l]) < Target * SamplesPerSecond(pytorch[l])).ToList();
Console.WriteLine(string.Create(inv,
    $"target: dipper at least {Target:F1}× pytorch's samples/s with ctc and with kl: {(missed.Count == 0 ? "met" : $"MISSED ({string.Join(", ", missed)})")}"));
Console.WriteLine("(the host is shared with other work: samples/s are noisy; see the load averages)");
return missed.Count == 0 && nonFinite.Count == 0 ? 0 : 1;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

// What the PyTorch side needs, as raw little-endian files and a JSON list of the graph's nodes and weights.
void Export()
{
    WriteWeights(graph, "weights.f32");
    WriteWeights(student, "student.f32");
    WriteFloats("chunks.f32", chunks.SelectMany(c => c).ToArray());
    File.WriteAllBytes(Path.Combine(work, "targets.i32"), targetValues.SelectMany(BitConverter.GetBytes).ToArray());
    File.WriteAllBytes(Path.Combine(work, "target_lengths.i32"), targetLengths.SelectMany(BitConverter.GetBytes).ToArray());
    using (var contiguous = teacherPosteriors.contiguous()) WriteFloats("teacher.f32", contiguous.data<float>().ToArray());
    var nodes = new JsonArray(graph.Nodes.Select(n => (JsonNode)new JsonObject
    {
        ["name"] = n.Name,
        ["operation"] = JsonSerializer.SerializeToNode(n.Operation, n.Operation.GetType()),
        ["inputs"] = new JsonArray(n.Inputs.Select(i => (JsonNode)JsonValue.Create(i)).ToArray()),
        ["output"] = n.Output,
    }).ToArray());
    var weights = new JsonArray(graph.Weights.Select(w => (JsonNode)new JsonObject
    {
        ["name"] = w.Key,
        ["shape"] = new JsonArray(w.Value.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
    }).ToArray());
    var document = new JsonObject
    {
        ["input"] = graph.Inputs[0].Name, ["output"] = graph.Outputs[0].Name, ["nodes"] = nodes, ["weights"] = weights,
        ["batch"] = Batch, ["chunk"] = chunk, ["frames"] = frames, ["learning_rate"] = LearningRate, ["temperature"] = Temperature,
    };
    File.WriteAllText(Path.Combine(work, "graph.json"), document.ToJsonString());
}

void WriteFloats(string file, float[] values) =>
    File.WriteAllBytes(Path.Combine(work, file), System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

void WriteWeights(ModelGraph model, string file)
{
    using var stream = File.Create(Path.Combine(work, file));
    foreach (var (_, weight) in model.Weights) stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weight.Values));
}

// Magnitude-prunes every pointwise (kernel 1) convolution to 50 %: a compressed student as dipper finetune starts.
static ModelGraph HalfOfEveryPointwiseWeightZero(ModelGraph graph)
{
    var pointwise = graph.Nodes.Select(n => n.Operation).OfType<Conv1d>().Where(c => c.KernelSize == 1).Select(c => c.Weight).ToHashSet();
    var weights = graph.Weights.Select(w =>
    {
        if (!pointwise.Contains(w.Key)) return w;
        var values = w.Value.Values.ToArray();
        var threshold = values.Select(MathF.Abs).Order().ElementAt(values.Length / 2);
        return KeyValuePair.Create(w.Key, new WeightTensor(w.Value.Shape, values.Select(v => MathF.Abs(v) < threshold ? 0f : v).ToArray()));
    });
    return new ModelGraph(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs, weights);
}
