using System.Text.Json;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using TorchSharp;

namespace Dipper.Compiler.Tests.Training;

/// <summary>The small network of tests/data/training/small-graph (made by make_gradients.py) as a Dipper graph, with its data.</summary>
internal static class SmallCtcNetwork
{
    public static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "data", "training", "small-graph", "gradients.json"))).RootElement;

    /// <summary>The committed input chunks as a tensor [2, 1, 48].</summary>
    public static torch.Tensor Signal()
    {
        var (shape, values) = Tensor(Reference.GetProperty("signal"));
        return torch.tensor(values, shape);
    }

    /// <summary>Mean CTC loss of log-probabilities [N, T, classes] against the committed targets, blank 0.</summary>
    public static torch.Tensor CtcLoss(torch.Tensor logProbs)
    {
        var targets = torch.tensor(Reference.GetProperty("targets").EnumerateArray()
            .SelectMany(row => row.EnumerateArray().Select(v => v.GetInt64())).ToArray(), [2, 5]);
        var targetLengths = torch.tensor(Reference.GetProperty("target_lengths").EnumerateArray().Select(v => v.GetInt64()).ToArray());
        return torch.nn.functional.ctc_loss(logProbs.transpose(0, 1), targets, torch.full(2, logProbs.shape[1], torch.int64), targetLengths);
    }

    /// <summary>The network of make_gradients.py as a Dipper graph, with its weights.</summary>
    public static ModelGraph Graph()
    {
        var builder = new GraphBuilder("small-ctc");
        foreach (var weight in Reference.GetProperty("weights").EnumerateObject())
        {
            var (shape, values) = Tensor(weight.Value);
            builder.Weight(weight.Name, new WeightTensor(shape.Select(d => (int)d).ToArray(), values));
        }
        const int channels = 8;
        var x = builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        x = builder.Add("stem", new Conv1d { InChannels = 1, OutChannels = channels, KernelSize = 5, Stride = 2, Padding = 2, Weight = "stem.weight", Bias = "stem.bias" }, x);
        x = builder.Add("stem_norm", Norm("stem_norm", channels, 1e-3), x);
        var skip = builder.Add("stem_swish", new Swish(), x);
        x = builder.Add("depthwise", new Conv1d { InChannels = channels, OutChannels = channels, KernelSize = 3, Padding = 2, Dilation = 2, Groups = channels, Weight = "depthwise.weight" }, skip);
        x = builder.Add("pointwise", new Conv1d { InChannels = channels, OutChannels = channels, KernelSize = 1, Weight = "pointwise.weight" }, x);
        x = builder.Add("norm", Norm("norm", channels, 1e-5), x);
        x = builder.Add("relu6", new Relu6(), x);
        x = builder.Add("residual", new Add(), x, skip);
        x = builder.Add("output", new Conv1d { InChannels = channels, OutChannels = 5, KernelSize = 1, Weight = "output.weight", Bias = "output.bias" }, x);
        x = builder.Add("to_time_major", new Transpose { Permutation = [0, 2, 1] }, x);
        x = builder.Add("logprobs", new LogSoftmax(), x);
        var probe = builder.Build();
        return new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(x, probe.Shapes[x])], probe.Weights);
    }

    /// <summary>The graph with every <paramref name="every"/>-th value of one weight set to zero, as pruning leaves it.</summary>
    public static ModelGraph WithZeros(ModelGraph graph, string weight, int every)
    {
        var weights = graph.Weights.Select(w => w.Key != weight ? w : KeyValuePair.Create(w.Key,
            new WeightTensor(w.Value.Shape, w.Value.Values.ToArray().Select((v, i) => i % every == 0 ? 0f : v).ToArray())));
        return new ModelGraph(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs, weights);
    }

    private static BatchNorm1d Norm(string name, int channels, double epsilon) => new()
    {
        Channels = channels, Epsilon = epsilon, Scale = $"{name}.weight", Shift = $"{name}.bias",
        RunningMean = $"{name}.running_mean", RunningVariance = $"{name}.running_var",
    };

    public static (long[] Shape, float[] Values) Tensor(JsonElement tensor) =>
        (tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
            tensor.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
}
