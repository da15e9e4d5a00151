using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// The float baseline: a chain of convolutions (1×1 or depthwise) exported as Dipper exports its models (<see cref="OnnxExporter"/>:
/// 2-D convolutions over [batch, channels, 1, time]) and run by ONNX Runtime as dipperd runs it (one intra-op thread,
/// ORT_ENABLE_ALL, so its NCHWc kernels). A chain rather than one node, so that the layout conversions ONNX Runtime
/// puts at the graph's edges are shared by several layers, as they are inside the model.
/// </summary>
internal sealed class OnnxConvolutionChain : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly RunOptions _run = new();

    /// <summary>Layers of <paramref name="channels"/> channels in and out, each with its float weights [out, in/groups, k] and bias.</summary>
    public OnnxConvolutionChain(int channels, int kernel, bool depthwise, IReadOnlyList<(float[] Weights, float[] Bias)> layers,
        int batch, int frames, Random random)
    {
        var builder = new GraphBuilder("chain");
        var x = builder.Input("x", new TensorShape(Dim.Named("batch"), channels, Dim.Named("time")));
        for (var l = 0; l < layers.Count; l++)
        {
            builder.Weight($"c{l}.weight", new WeightTensor([channels, depthwise ? 1 : channels, kernel], layers[l].Weights));
            builder.Weight($"c{l}.bias", new WeightTensor([channels], layers[l].Bias));
            x = builder.Add($"c{l}", new Conv1d
            {
                InChannels = channels, OutChannels = channels, KernelSize = kernel, Padding = kernel / 2,
                Groups = depthwise ? channels : 1, Weight = $"c{l}.weight", Bias = $"c{l}.bias",
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
        _output = OrtValue.CreateTensorValueFromMemory(new float[batch * channels * frames], [batch, channels, frames]);
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
