using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Training;

/// <summary>
/// Makes a distilled student call each base as often as its teacher: offsets added to the output layer's class scores
/// (its bias), fitted on chunks of reads held out from training so that the student's greedy CTC calls hold as many
/// of each base as the teacher's. No reference is needed: the teacher's calls are the target.
/// Why: per-frame KL distillation leaves a compressed student a little more sure of the blank than its teacher. The
/// DSF 50 % student called 1.5 % fewer bases than the dense model on the E. coli reads, and its extra errors were
/// almost all deletions (docs/finetune-recovery.md); the KL barely sees this, since the blank's share of the frames is
/// large, but a CTC decoder turns it into missing bases.
/// </summary>
/// <param name="Offsets">Added to each class's score (the blank's stays 0: only differences count before the log-softmax).</param>
/// <param name="TeacherCalls">The teacher's calls of each class on the chunks (the blank's: 0).</param>
/// <param name="CallsBefore">The student's, before the offsets.</param>
/// <param name="CallsAfter">The student's, with them.</param>
/// <param name="Chunks">Chunks the calls were counted on.</param>
public sealed record CallRateMatching(IReadOnlyList<double> Offsets, IReadOnlyList<long> TeacherCalls, IReadOnlyList<long> CallsBefore,
    IReadOnlyList<long> CallsAfter, int Chunks)
{
    /// <summary>Fitting stops once every base's count is within this fraction of the teacher's.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>At most this many rounds of the fit.</summary>
    public const int MaxRounds = 200;

    /// <summary>
    /// The largest offset worth writing: e^2 ≈ 7.4 times a class's odds. A student that needs more (one that calls
    /// almost nothing, early in training from fresh weights) differs from its teacher by more than a lean to the
    /// blank, and offsets would only hide that.
    /// </summary>
    public const double MaxOffset = 2;

    /// <summary>True when every offset is within <see cref="MaxOffset"/>: the student only leaned, and the offsets may be written.</summary>
    public bool IsWithinReach => Offsets.All(o => Math.Abs(o) <= MaxOffset);

    /// <summary>
    /// Fits the offsets: each round moves every base's offset by half the log of the teacher's count over the
    /// student's, since a class's share of greedy calls grows about as its score's exponential.
    /// </summary>
    /// <param name="student">The student's log-probabilities, one array per chunk, frame-major (frames × classes).</param>
    /// <param name="teacher">The teacher's, on the same chunks.</param>
    /// <param name="classes">Classes per frame (the alphabet with the blank).</param>
    /// <param name="blank">The blank's class.</param>
    public static CallRateMatching Fit(IReadOnlyList<float[]> student, IReadOnlyList<float[]> teacher, int classes, int blank)
    {
        if (student.Count != teacher.Count || student.Count == 0)
            throw new ArgumentException($"call-rate matching needs the same chunks of both models ({student.Count} and {teacher.Count})");
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(blank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(blank, classes);
        var target = Calls(teacher, classes, blank, new double[classes]);
        var offsets = new double[classes];
        var before = Calls(student, classes, blank, offsets);
        var (best, bestError, bestCalls, calls) = (offsets.ToArray(), Error(before, target, blank), before, before);
        for (var round = 0; round < MaxRounds && bestError > Tolerance; round++)
        {
            for (var c = 0; c < classes; c++)
                if (c != blank && target[c] > 0) offsets[c] += 0.5 * Math.Log((target[c] + 1.0) / (calls[c] + 1.0));
            calls = Calls(student, classes, blank, offsets);
            var error = Error(calls, target, blank);
            if (error < bestError) (best, bestError, bestCalls) = (offsets.ToArray(), error, calls);
        }
        return new CallRateMatching(best, target, before, bestCalls, student.Count);
    }

    /// <summary>
    /// Greedy CTC calls of each class: a frame whose best class (after <paramref name="offsets"/>) is not the blank
    /// and not the previous frame's best calls one base. Each chunk starts afresh.
    /// </summary>
    public static long[] Calls(IReadOnlyList<float[]> chunks, int classes, int blank, ReadOnlySpan<double> offsets)
    {
        var counts = new long[classes];
        foreach (var chunk in chunks)
        {
            if (chunk.Length % classes != 0) throw new ArgumentException($"a chunk of {chunk.Length} values is not whole frames of {classes} classes");
            var previous = -1;
            for (var f = 0; f < chunk.Length; f += classes)
            {
                var bestClass = 0;
                var bestScore = chunk[f] + offsets[0];
                for (var c = 1; c < classes; c++)
                {
                    var score = chunk[f + c] + offsets[c];
                    if (score > bestScore) (bestClass, bestScore) = (c, score);
                }
                if (bestClass != blank && bestClass != previous) counts[bestClass]++;
                previous = bestClass;
            }
        }
        return counts;
    }

    /// <summary>The largest relative difference of a base's count from the teacher's.</summary>
    private static double Error(long[] calls, long[] target, int blank)
    {
        double worst = 0;
        for (var c = 0; c < calls.Length; c++)
            if (c != blank && target[c] > 0) worst = Math.Max(worst, Math.Abs(calls[c] - target[c]) / (double)target[c]);
        return worst;
    }

    /// <summary>
    /// The graph with <see cref="Offsets"/> added to the bias of its output layer: the <see cref="Linear"/> layer
    /// whose scores the output's <see cref="LogSoftmax"/> normalises (given a bias of zeros first if it has none).
    /// Every engine and compiler then sees an ordinary model.
    /// </summary>
    /// <exception cref="GraphException">The output is not a log-softmax over a linear layer's classes.</exception>
    public ModelGraph Apply(ModelGraph graph)
    {
        var output = graph.Outputs[0].Name;
        if (graph.Producer(output) is not { Operation: LogSoftmax normalise } softmax
            || (normalise.Axis != -1 && normalise.Axis != graph.Shapes[output].Rank - 1)
            || graph.Producer(softmax.Inputs[0]) is not { Operation: Linear linear } layer)
            throw new GraphException($"'{graph.Name}': call-rate matching adds to the output layer's bias, and the output '{output}' is not a log-softmax over a linear layer's classes");
        if (linear.OutFeatures != Offsets.Count)
            throw new GraphException($"'{graph.Name}': the output layer '{layer.Name}' has {linear.OutFeatures} classes, the offsets {Offsets.Count}");
        var weights = new OrderedDictionary<string, WeightTensor>(graph.Weights);
        var biasName = linear.Bias ?? $"{layer.Name}.bias";
        var bias = linear.Bias is null ? new float[linear.OutFeatures] : weights[linear.Bias].Values.ToArray();
        for (var c = 0; c < bias.Length; c++) bias[c] = (float)(bias[c] + Offsets[c]);
        weights[biasName] = new WeightTensor([bias.Length], bias);
        var nodes = graph.Nodes.Select(n => ReferenceEquals(n, layer) ? n with { Operation = linear with { Bias = biasName } } : n).ToList();
        return new ModelGraph(graph.Name, graph.Inputs, nodes, graph.Outputs, weights);
    }
}
