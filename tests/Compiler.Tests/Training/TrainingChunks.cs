using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;

namespace Dipper.Compiler.Tests.Training;

/// <summary>A few real chunks of the test reads, normalised by the pipeline's normaliser, and the unfolded default model.</summary>
internal static class TrainingChunks
{
    public const int Count = 4;

    private static readonly Lazy<float[][]> LazyChunks = new(() =>
    {
        var manifest = ModelPackage.Load(TestData.PackageFolder).Manifest;
        var set = CalibrationSet.LoadAsync([TestData.Reads], manifest,
            new CalibrationSetOptions { CalibrationChunks = Count, ChunksPerRead = 1, VerificationReads = 0 }, CancellationToken.None)
            .GetAwaiter().GetResult();
        return set.Chunks.Take(Count).ToArray();
    });

    private static readonly Lazy<ModelGraph> LazyUnfolded = new(() =>
        SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth"));

    /// <summary>Chunks of 1800 normalised samples from four different reads.</summary>
    public static float[][] Chunks => LazyChunks.Value;

    /// <summary>The default model as imported from its .pth: BatchNorm and swish as trained, nothing folded.</summary>
    public static ModelGraph Unfolded => LazyUnfolded.Value;
}
