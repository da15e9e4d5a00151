using Dipper.Basecaller.Models;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Commands;

/// <summary>
/// How a command writes a model that pools dynamically into a package: the graph cut at its pooling
/// (<see cref="PooledModelSplit"/>), the two parts as float ONNX models, and the manifest's <see cref="PoolingSettings"/>
/// naming them with the trained scale r. One home for <c>dipper pool</c> (the untrained variant) and the training
/// commands (<see cref="TrainedPackage"/>), so a pooled model comes out of training in the form it went in.
/// </summary>
public static class PooledPackage
{
    /// <summary>Writes the parts of <paramref name="pooled"/> into <paramref name="folder"/>.</summary>
    /// <param name="folder">The (staging) package folder.</param>
    /// <param name="pooled">A graph with one <see cref="Graph.Operations.DynamicPool"/> node.</param>
    /// <param name="manifest">The manifest to carry: everything but its files and pooling section is kept.</param>
    /// <param name="windows">Pooled frames per window of the part after the pooling, and their overlap.</param>
    /// <param name="cancellationToken">Stops between the files.</param>
    /// <returns>The manifest naming the parts (their checksums, the pooling section), and the split it was written from.</returns>
    /// <exception cref="GraphException">The graph cannot be cut at one pooling.</exception>
    public static async Task<(ModelManifest Manifest, PooledModelSplit Split)> WritePartsAsync(string folder, ModelGraph pooled, ModelManifest manifest,
        ChunkSettings windows, CancellationToken cancellationToken)
    {
        var split = PooledModelSplit.Split(pooled);
        var before = split.ExportBefore();
        var after = split.ExportAfter();
        await File.WriteAllBytesAsync(Path.Combine(folder, PoolCommand.BeforeFile), before, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, PoolCommand.AfterFile), after, cancellationToken);
        return (manifest with
        {
            Files = new ModelFiles
            {
                Sha256 = new Dictionary<string, string> { [PoolCommand.BeforeFile] = ModelSource.Sha256(before), [PoolCommand.AfterFile] = ModelSource.Sha256(after) },
            },
            Pooling = new PoolingSettings
            {
                Scale = split.Scale,
                MeanMove = split.Pool.MeanMove,
                Features = split.Features,
                Before = new PooledPart { Onnx = PoolCommand.BeforeFile, Input = split.Before.Inputs[0].Name, Output = PooledModelSplit.FramesOutput },
                After = new PooledPart { Onnx = PoolCommand.AfterFile, Input = PooledModelSplit.PooledInput, Output = split.After.Outputs[0].Name },
                Window = windows,
            },
        }, split);
    }
}
