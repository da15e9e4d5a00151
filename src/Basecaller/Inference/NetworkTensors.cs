using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// What one network of a package takes and gives per chunk, so one ONNX Runtime engine runs the whole model of a plain
/// package and either part of a pooled one. Input: [batch, <see cref="InputLength"/>] of one value (signal: also
/// [batch, 1, samples]) or [batch, <see cref="InputLength"/>, <see cref="InputChannels"/>] frames-major; output:
/// [batch, <see cref="OutputFrames"/>, <see cref="Classes"/>].
/// </summary>
/// <param name="Input">Input tensor name.</param>
/// <param name="Output">Output tensor name.</param>
/// <param name="InputLength">Samples (or frames) per chunk.</param>
/// <param name="InputChannels">Values per input sample: 1 for signal, the pooled features for the part after pooling.</param>
/// <param name="OutputFrames">Output frames per chunk.</param>
/// <param name="Classes">Values per output frame: class scores, or features and pooling logits.</param>
public sealed record NetworkTensors(string Input, string Output, int InputLength, int InputChannels, int OutputFrames, int Classes)
{
    /// <summary>The whole model of a package without pooling: signal chunks → log-probabilities per frame.</summary>
    public static NetworkTensors Whole(ModelManifest manifest) =>
        new(manifest.Files.OnnxInput, manifest.Files.OnnxOutput, manifest.Chunk.Samples, 1, manifest.Chunk.Samples / manifest.Stride, manifest.Alphabet.Length);

    /// <summary>The part of a pooled model before the pooling: signal chunks → per sample, the features and the 2 pooling logits.</summary>
    public static NetworkTensors BeforePooling(ModelManifest manifest)
    {
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        return new(pooling.Before.Input, pooling.Before.Output, manifest.Chunk.Samples, 1, manifest.Chunk.Samples, pooling.Features + 2);
    }

    /// <summary>The part of a pooled model after the pooling: windows of pooled features → class scores per pooled frame.</summary>
    public static NetworkTensors AfterPooling(ModelManifest manifest)
    {
        var pooling = manifest.Pooling ?? throw new ArgumentException($"model '{manifest.Name}' has no dynamic pooling", nameof(manifest));
        return new(pooling.After.Input, pooling.After.Output, pooling.Window.Samples, pooling.Features, pooling.Window.Samples, manifest.Alphabet.Length);
    }

    /// <summary>Input values per chunk.</summary>
    public int ChunkValues => InputLength * InputChannels;
}
