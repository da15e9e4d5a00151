using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Native;

public sealed class NativeLibrariesTests
{
    private static readonly NativeLibraryOptions Nowhere = new() { SearchApplicationFolders = false, SearchSystem = false };

    public NativeLibrariesTests() => TfliteLibrary.Require();

    [Fact]
    public void A_configured_folder_is_searched_for_the_library_file_name()
    {
        var folder = Path.GetDirectoryName(NativeLibraries.Locate(NativeLibraries.TfLite).LoadedFrom)!;
        var location = NativeLibraries.Locate(NativeLibraries.TfLite, Nowhere with { TfLitePath = folder });
        Assert.True(location.Found);
        Assert.Equal(Path.Combine(folder, "libtensorflowlite_c.so"), location.LoadedFrom);
    }

    [Fact]
    public void A_missing_library_reports_every_place_tried()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"dipper-none-{Guid.NewGuid():N}");
        var location = NativeLibraries.Locate(NativeLibraries.EdgeTpu, Nowhere with { EdgeTpuPath = Path.Combine(missing, "libedgetpu.so.1") });
        Assert.False(location.Found);
        Assert.Equal("libedgetpu.so.1", location.Library);
        Assert.Contains(location.Tried, t => t.Contains(missing) && t.Contains("no such file"));
    }

    [Fact]
    public void A_file_that_is_not_a_library_is_skipped_with_the_loaders_reason()
    {
        var bogus = Path.Combine(Path.GetTempPath(), $"dipper-{Guid.NewGuid():N}.so");
        File.WriteAllText(bogus, "not an ELF file");
        try
        {
            var location = NativeLibraries.Locate(NativeLibraries.TfLite, Nowhere with { TfLitePath = bogus });
            Assert.False(location.Found);
            Assert.Contains(location.Tried, t => t.StartsWith(bogus, StringComparison.Ordinal) && !t.Contains("no such file"));
        }
        finally
        {
            File.Delete(bogus);
        }
    }

    [Fact]
    public void The_system_soname_is_tried_last()
    {
        var location = NativeLibraries.Locate(NativeLibraries.LibUsb, Nowhere with { SearchSystem = true });
        Assert.Equal("libusb-1.0.so.0", location.LoadedFrom);
    }

    [Fact]
    public void Options_are_fixed_once_the_resolver_is_installed()
    {
        _ = Dipper.Tpu.Lite.TfliteRuntime.Version; // installs the resolver if no test did yet
        var current = NativeLibraries.Current!;
        NativeLibraries.Configure(current); // the same options again: fine
        var e = Assert.Throws<InvalidOperationException>(() => NativeLibraries.Configure(current with { TfLitePath = "/elsewhere" }));
        Assert.Contains("once per process", e.Message);
    }

    [Fact]
    public void Environment_variables_name_each_library()
    {
        Assert.Equal("DIPPER_TFLITE_LIB", NativeLibraryOptions.TfLiteVariable);
        Assert.Equal("DIPPER_EDGETPU_LIB", NativeLibraryOptions.EdgeTpuVariable);
        Assert.Equal("libedgetpu.so.1", NativeLibraries.FileName(NativeLibraries.EdgeTpu));
        Assert.Throws<ArgumentException>(() => NativeLibraries.FileName("nvinfer"));
    }
}
