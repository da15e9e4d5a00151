using Dipper.Basecaller.Models;
using Dipper.Tpu.Models;

namespace Dipper.Basecaller.Tests.Models;

public sealed class ModelStoreTests : IDisposable
{
    private readonly PackageFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private ModelStore Store(int keep = 2) =>
        new(new ModelActivationOptions { ModelsRoot = _fixture.ModelsRoot, Reload = ServiceReloadMode.Never, KeepPreviousVersions = keep }, new TfliteTestInference());

    private string ActiveFile(string name) => Path.Combine(_fixture.ModelsRoot, "active", name);

    [Fact]
    public void Activation_stores_a_versioned_copy_and_points_active_at_it()
    {
        var store = Store();
        var activation = store.Activate(PackageFixture.Committed);

        Assert.Null(activation.PreviousTarget);
        Assert.StartsWith("sbonito_80_bb_swish-", activation.Version);
        Assert.Equal(activation.Version, store.ActiveTarget); // relative link
        Assert.Equal(File.ReadAllBytes(Path.Combine(PackageFixture.Committed, "model.onnx")), File.ReadAllBytes(ActiveFile("model.onnx")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(PackageFixture.Committed, "NOTICE.md")), File.ReadAllBytes(ActiveFile("NOTICE.md")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot), e => Path.GetFileName(e).StartsWith(".incoming", StringComparison.Ordinal));
    }

    [Fact]
    public void Corrupted_package_is_refused_and_active_still_points_at_the_old_model()
    {
        var store = Store();
        var first = store.Activate(PackageFixture.Committed);
        var before = Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot).Order().ToList();

        var bad = _fixture.Renamed("other");
        PackageFixture.FlipByte(Path.Combine(bad, "model.onnx"));
        var e = Assert.Throws<ModelPackageRejectedException>(() => store.Activate(bad));

        Assert.Contains("model.onnx", e.Message);
        Assert.Equal(first.Version, store.ActiveTarget);
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot).Order().ToList());
        ModelPackageValidator.VerifyChecksums(ModelPackage.Load(Path.Combine(_fixture.ModelsRoot, "active")));
    }

    [Fact]
    public void New_package_replaces_the_active_one_and_the_old_version_is_kept_for_rollback()
    {
        var store = Store();
        var first = store.Activate(PackageFixture.Committed);
        var second = store.Activate(_fixture.Renamed("sbonito_retrained"));

        Assert.Equal(first.Version, second.PreviousTarget);
        Assert.StartsWith("sbonito_retrained-", store.ActiveTarget);
        Assert.True(Directory.Exists(first.VersionDirectory));
    }

    [Fact]
    public void Activating_the_same_package_again_reuses_the_stored_version()
    {
        var store = Store();
        var first = store.Activate(PackageFixture.Committed);
        var again = store.Activate(_fixture.CopyOfDefault());
        Assert.True(again.AlreadyPresent);
        Assert.Equal(first.Version, again.Version);
    }

    [Fact]
    public void Damaged_stored_version_is_replaced_by_the_good_copy()
    {
        var store = Store();
        var first = store.Activate(PackageFixture.Committed);
        PackageFixture.FlipByte(Path.Combine(first.VersionDirectory, "model.onnx"));
        var again = store.Activate(PackageFixture.Committed);
        Assert.False(again.AlreadyPresent);
        ModelPackageValidator.VerifyChecksums(ModelPackage.Load(again.VersionDirectory));
    }

    [Fact]
    public void Old_versions_beyond_the_kept_number_are_deleted_but_never_the_active_one()
    {
        var store = Store(keep: 1);
        var versions = new List<string>();
        foreach (var name in new[] { "m1", "m2", "m3", "m4" })
            versions.Add(store.Activate(_fixture.Renamed(name)).Version);

        var stored = Directory.EnumerateDirectories(_fixture.ModelsRoot)
            .Select(Path.GetFileName).Where(n => n != "active" && !n!.StartsWith('.')).Order().ToList();
        Assert.Equal([versions[2], versions[3]], stored);
        Assert.Equal(versions[3], store.ActiveTarget);
    }

    [Fact]
    public void Leftovers_of_an_interrupted_activation_are_removed_and_never_become_active()
    {
        Directory.CreateDirectory(Path.Combine(_fixture.ModelsRoot, ".incoming-deadbeef"));
        File.CreateSymbolicLink(Path.Combine(_fixture.ModelsRoot, ".active-deadbeef"), "nowhere");
        var store = Store();
        store.Activate(PackageFixture.Committed);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_fixture.ModelsRoot),
            e => Path.GetFileName(e).Contains("deadbeef", StringComparison.Ordinal));
    }

    [Fact]
    public void Active_that_is_a_real_folder_is_not_replaced()
    {
        Directory.CreateDirectory(Path.Combine(_fixture.ModelsRoot, "active"));
        var e = Assert.Throws<IOException>(() => Store().Activate(PackageFixture.Committed));
        Assert.Contains("not a symlink", e.Message);
    }
}
