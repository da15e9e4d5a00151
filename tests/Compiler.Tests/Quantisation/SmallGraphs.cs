using Dipper.Compiler.Calibration;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Execution;
using Dipper.Compiler.Graph.Lowered;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Quantisation;

namespace Dipper.Compiler.Tests.Quantisation;

/// <summary>Small networks with random weights, quantised the way `dipper compile` quantises, for checks against the TFLite runtime.</summary>
internal sealed class SmallGraphs
{
    public const int Batch = 2;
    public const int Samples = 60;

    private readonly GraphBuilder _builder = new("small");
    private readonly Random _random;
    private int _weights;

    private SmallGraphs(int seed) => _random = new Random(seed);

    public static QuantisationParameters InputParameters => QuantisationParameters.ForRange(-2.5f, 2.5f);

    /// <summary>Builds a graph from a body that maps the signal value to its last [batch, channels, time] value.</summary>
    public static ModelGraph Build(int seed, Func<SmallGraphs, string, string> body, bool logSoftmax = false)
    {
        var g = new SmallGraphs(seed);
        var x = g._builder.Input("signal", new TensorShape(Dim.Named("batch"), 1, Dim.Named("samples")));
        var y = g._builder.Add("to_time_major", new Transpose { Permutation = [0, 2, 1] }, body(g, x));
        if (logSoftmax) y = g._builder.Add("logprobs", new LogSoftmax(), y);
        // Built once without outputs to learn the output's inferred shape, then declared with it.
        var probe = g._builder.Build();
        return new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(y, probe.Shapes[y])], probe.Weights);
    }

    public string Conv(string x, int inChannels, int outChannels, int kernel, int stride = 1, int padding = -1, int dilation = 1,
        bool depthwise = false, bool bias = true)
    {
        var name = $"conv{_weights++}";
        var perGroup = depthwise ? 1 : inChannels;
        _builder.Weight($"{name}.weight", Random([outChannels, perGroup, kernel], 1.0 / Math.Sqrt(perGroup * kernel)));
        if (bias) _builder.Weight($"{name}.bias", Random([outChannels], 0.3));
        return _builder.Add(name, new Conv1d
        {
            InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride,
            Padding = padding < 0 ? kernel / 2 * dilation : padding, Dilation = dilation, Groups = depthwise ? inChannels : 1,
            Weight = $"{name}.weight", Bias = bias ? $"{name}.bias" : null,
        }, x);
    }

    /// <summary>A transposed convolution (one group) of random weights [in, out, kernel], upsampling by <paramref name="stride"/>.</summary>
    public string ConvTranspose(string x, int inChannels, int outChannels, int kernel, int stride, int padding = 0, bool bias = true)
    {
        var name = $"up{_weights++}";
        _builder.Weight($"{name}.weight", Random([inChannels, outChannels, kernel], 1.0 / Math.Sqrt(inChannels * kernel / (double)stride)));
        if (bias) _builder.Weight($"{name}.bias", Random([outChannels], 0.3));
        return _builder.Add(name, new ConvTranspose1d
        {
            InChannels = inChannels, OutChannels = outChannels, KernelSize = kernel, Stride = stride, Padding = padding,
            Weight = $"{name}.weight", Bias = bias ? $"{name}.bias" : null,
        }, x);
    }

    public string Node(string name, Operation operation, params string[] inputs) => _builder.Add(name, operation, inputs);

    private WeightTensor Random(int[] shape, double spread) =>
        new(shape, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)((_random.NextDouble() * 2 - 1) * spread * 1.7)).ToArray());

    /// <summary>Signal-like input: a random walk of steps, clipped to ±2.5 as normalisation clips it.</summary>
    public static float[] Signal(int seed, int batch = Batch, int samples = Samples)
    {
        var random = new Random(seed);
        var values = new float[batch * samples];
        var level = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            if (random.NextDouble() < 0.15) level = random.NextDouble() * 4 - 2;
            values[i] = (float)Math.Clamp(level + random.NextDouble() * 0.6 - 0.3, -2.5, 2.5);
        }
        return values;
    }

    /// <summary>Lowers, calibrates (min/max over a few random signals) and quantises a graph.</summary>
    public static (LoweredGraph Float, LoweredGraph Int8) Quantise(ModelGraph graph, RangeMethod method = RangeMethod.MinMax)
    {
        var lowered = LowerToNhwc.Apply(graph, Batch, Samples);
        var chunks = Enumerable.Range(0, 8).Select(s => Signal(100 + s, 1)).ToList();
        var statistics = Calibrator.Collect(new FloatExecutor(graph), chunks, 4, 1, null, CancellationToken.None);
        return (lowered, Int8Quantiser.Apply(lowered, statistics.Ranges(method), InputParameters));
    }
}
