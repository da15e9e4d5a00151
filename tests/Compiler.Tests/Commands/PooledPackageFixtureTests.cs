using System.Text.Json.Nodes;
using Dipper.Compiler.Commands;

namespace Dipper.Compiler.Tests.Commands;

/// <summary>
/// tests/data/models/sbonito-pooled, the pooled package the appliance's tests run (their projects do not reference the
/// compiler, so they cannot make one), is what <c>dipper pool</c> makes of the default model today: when the pooling
/// rewrite or its export changes, this fails and says how to write the fixture again.
/// </summary>
public sealed class PooledPackageFixtureTests : IDisposable
{
    private const string Regenerate = "regenerate it: dipper pool --model models/sbonito -o tests/data/models/sbonito-pooled";
    private static readonly string Committed = Path.Combine(AppContext.BaseDirectory, "data", "models", "sbonito-pooled");
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-pooled-fixture-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Committed_pooled_package_is_what_dipper_pool_makes_of_the_default_model()
    {
        var made = Path.Combine(_folder, "pooled");
        var errors = new StringWriter();

        var code = await PoolCommand.RunAsync(new PoolCommand.Request(TestData.PackageFolder, made), TextWriter.Null, errors, CancellationToken.None);

        Assert.True(code == 0, errors.ToString());
        foreach (var part in new[] { PoolCommand.BeforeFile, PoolCommand.AfterFile })
            Assert.True(File.ReadAllBytes(Path.Combine(Committed, part)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(made, part))), $"{part} differs; {Regenerate}");
        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(Committed, "manifest.json")))!;
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(made, "manifest.json")))!;
        // The provenance names where the model came from, which differs here; what runs the model must not.
        foreach (var section in new[] { "pooling", "files", "chunk", "stride", "alphabet", "normalisation" })
            Assert.True(JsonNode.DeepEquals(committed[section], written[section]), $"manifest '{section}' differs; {Regenerate}");
    }
}
