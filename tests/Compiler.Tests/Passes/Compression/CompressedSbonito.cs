using System.Collections.Concurrent;
using Dipper.Basecaller.Models;
using Dipper.Compiler.Calibration;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Tests.Passes.Compression;

/// <summary>The default model (BatchNorm folded) compressed on a few real chunks of the test reads, once per setting per test run.</summary>
internal static class CompressedSbonito
{
    public const int Chunks = 8;

    private static readonly Lazy<ModelGraph> LazyFolded = new(() =>
        FoldBatchNorm.Apply(SbonitoMapper.ToGraph(TorchCheckpoint.Read(TestData.Checkpoint), "sbonito.pth")));

    // Eight chunks, two from each of four test reads; the reference windows used to compare outputs come from other reads.
    private static readonly Lazy<IReadOnlyList<float[]>> LazyCalibration = new(() =>
        CalibrationSet.LoadAsync([TestData.Reads], SbonitoMapper.Manifest(new ModelFiles(), []),
            new CalibrationSetOptions { CalibrationChunks = Chunks, ChunksPerRead = 2, VerificationReads = 0 }, CancellationToken.None)
            .GetAwaiter().GetResult().Chunks);

    private static readonly ConcurrentDictionary<(CompressionMethod, double, NmPattern?, bool, bool), Lazy<CompressedModel>> Models = new();

    public static ModelGraph Folded => LazyFolded.Value;

    public static IReadOnlyList<float[]> Calibration => LazyCalibration.Value;

    public static CompressedModel Get(CompressionMethod method, double sparsity, NmPattern? pattern = null, bool recalibrate = true, bool fitDenseOutput = true) =>
        Models.GetOrAdd((method, sparsity, pattern, recalibrate, fitDenseOutput), key => new Lazy<CompressedModel>(() => ModelCompression.Apply(Folded, Calibration,
            new ModelCompressionOptions { Method = key.Item1, Sparsity = key.Item2, Pattern = key.Item3, Recalibrate = key.Item4, FitDenseOutput = key.Item5, Threads = 2 }, null,
            CancellationToken.None))).Value;
}
