using System.Security.Cryptography;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Compilation;
using Dipper.Tpu.Engines;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class ExportStageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Four_model_files_are_written_and_named_with_their_checksums_and_tflite_tensors()
    {
        var source = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var folded = FoldStage.Run(source.Graph);
        var set = await CalibrateStage.LoadReadsAsync([TestData.Reads], source.Manifest, CalibrateStageTests.SmallSet, CancellationToken.None);
        var calibrated = CalibrateStage.Run(folded, set, source.Manifest, CalibrateStageTests.Settings, TextWriter.Null, CancellationToken.None);
        var quantised = QuantiseStage.Run(calibrated, TestData.WindowSamples, CalibrateStageTests.Settings);
        var staging = Path.Combine(_folder, "staging");

        var files = await ExportStage.RunAsync(staging, folded, calibrated, quantised, source.Manifest.Name, CancellationToken.None);

        string[] written = [ModelCompilation.OnnxFile, ModelCompilation.OnnxInt8File, ModelCompilation.TfliteFile, ModelCompilation.TfliteFloatFile];
        Assert.Equal(written.Order(), Directory.GetFiles(staging).Select(Path.GetFileName).Order());
        foreach (var file in written)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(staging, file)))), files.Sha256[file]);
        Assert.Equal((ModelCompilation.OnnxFile, ModelCompilation.TfliteFile, ModelCompilation.OnnxInt8File), (files.Onnx, files.Tflite, files.OnnxInt8));
        Assert.Null(files.TfliteEdgeTpu);
        Assert.Equal("int8", files.TfliteInput!.Type);
        Assert.Equal([4, TestData.WindowSamples, 1], files.TfliteInput.Shape);
        // The TFLite runtime reads the file as the manifest describes it.
        using var engine = TfliteEngine.FromFile(Path.Combine(staging, files.Tflite!));
        Assert.Equal((TestData.WindowSamples, 4), (engine.ChunkSamples, engine.MaxBatch));
    }
}
