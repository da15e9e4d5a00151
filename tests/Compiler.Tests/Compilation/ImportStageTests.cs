using Dipper.Compiler.Compilation;

namespace Dipper.Compiler.Tests.Compilation;

public sealed class ImportStageTests
{
    [Fact]
    public async Task Checkpoint_and_its_package_import_with_their_parameters_manifest_and_source_checksum()
    {
        var fromCheckpoint = await ImportStage.RunAsync(TestData.Checkpoint, CancellationToken.None);
        var fromPackage = await ImportStage.RunAsync(TestData.PackageFolder, CancellationToken.None);

        // The checkpoint keeps its batch norms (as dipper import reports: 249,805); the package's ONNX model is already folded.
        Assert.Equal((249_805, 247_205), (fromCheckpoint.Graph.ParameterCount, fromPackage.Graph.ParameterCount));
        Assert.Equal(("sbonito_80_bb_swish", "R9.4.1 DNA", 1800), (fromCheckpoint.Manifest.Name, fromCheckpoint.Manifest.Chemistry, fromCheckpoint.Manifest.Chunk.Samples));
        const string sourceSha256 = "562244797e2fc53d9eb329c5b1397839209ad8d9f662b04907caef9bd28766a0";
        Assert.Equal(sourceSha256, fromCheckpoint.Provenance["source"].GetProperty("sha256").GetString());
        Assert.Equal(sourceSha256, fromPackage.Provenance["source"].GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Missing_model_is_refused_with_its_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"dipper-no-model-{Guid.NewGuid():N}.pth");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => ImportStage.RunAsync(missing, CancellationToken.None));

        Assert.True(e is FileNotFoundException or InvalidDataException, e.GetType().Name);
        Assert.Contains(missing, e.Message);
    }
}
