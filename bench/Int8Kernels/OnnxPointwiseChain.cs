using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// The float baseline: a chain of 1×1 convolutions exported as Dipper exports its models (<see cref="OnnxExporter"/>:
/// 2-D convolutions over [batch, channels, 1, time]) and run by ONNX Runtime as dipperd runs it (one intra-op thread,
/// ORT_ENABLE_ALL, so its NCHWc kernels). A chain rather than one node, so that the layout conversions ONNX Runtime
/// puts at the graph's edges are shared by several layers, as they are inside the model.
/// </summary>
internal sealed class OnnxPointwiseChain : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly RunOptions _run = new();

    public OnnxPointwiseChain(IReadOnlyList<PointwiseLayer> layers, int batch, int frames, Random random)
    {
        var channels = layers[0].InChannels;
        var builder = new GraphBuilder("pointwise");
        var x = builder.Input("x", new TensorShape(Dim.Named("batch"), channels, Dim.Named("time")));
        for (var l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            builder.Weight($"pw{l}.weight", new WeightTensor([layer.OutChannels, layer.InChannels, 1], layer.Weights));
            builder.Weight($"pw{l}.bias", new WeightTensor([layer.OutChannels], layer.Bias));
            x = builder.Add($"pw{l}", new Conv1d
            {
                InChannels = layer.InChannels, OutChannels = layer.OutChannels, KernelSize = 1,
                Weight = $"pw{l}.weight", Bias = $"pw{l}.bias",
            }, x);
        }
        var probe = builder.Build();
        var graph = new ModelGraph(probe.Name, probe.Inputs, probe.Nodes, [new GraphValue(x, probe.Shapes[x])], probe.Weights);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(OnnxExporter.Export(graph), options);
        var values = new float[batch * channels * frames];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
        _input = OrtValue.CreateTensorValueFromMemory(values, [batch, channels, frames]);
        _output = OrtValue.CreateTensorValueFromMemory(new float[batch * layers[^1].OutChannels * frames], [batch, layers[^1].OutChannels, frames]);
        InputName = _session.InputNames[0];
        OutputName = _session.OutputNames[0];
    }

    private string InputName { get; }
    private string OutputName { get; }

    /// <summary>One pass of the batch through the chain, into a preallocated output (no copies).</summary>
    public void Run() => _session.Run(_run, [InputName], [_input], [OutputName], [_output]);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
