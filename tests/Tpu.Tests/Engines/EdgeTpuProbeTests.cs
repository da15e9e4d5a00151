using System.Diagnostics;
using Dipper.Basecaller.Inference;
using Dipper.Tpu.Devices;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Engines;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Devices;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.Engines;

[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuProbeTests : IDisposable
{
    private readonly FakeEdgeTpu fake = new();
    private readonly FakeSysfs sysfs = new();

    public EdgeTpuProbeTests() => TfliteLibrary.Require();

    public void Dispose()
    {
        sysfs.Dispose();
        fake.Dispose();
    }

    private EdgeTpuProbeOptions Options => new()
    {
        Discovery = new CoralDiscoveryOptions { Roots = sysfs.Roots, UseLibUsb = false },
        DebianStatusFile = Path.Combine(sysfs.Root, "no-dpkg"),
    };

    [Fact]
    public void Listed_tpus_make_the_edge_tpu_usable_and_versions_are_compared()
    {
        // A libedgetpu that names the TensorFlow it was built for: first the loaded TFLite's own, then another.
        var tflite = TfliteRuntime.Version;
        fake.Plug(FakeEdgeTpu.Usb()).Version($"BuildLabel(COMPILER=x,DATE=d,TIME=t,CL_NUMBER=1,TF={tflite}), RuntimeVersion(16)");
        var probe = EdgeTpuProbe.Run(Options);
        Assert.True(probe.Usable);
        Assert.Null(probe.Problem);
        Assert.Equal([FakeEdgeTpu.Usb()], probe.Devices);
        Assert.Matches(@"^\d+\.\d+", probe.TfliteVersion);
        Assert.Contains("RuntimeVersion(16)", probe.EdgeTpuVersion);
        Assert.Equal((VersionAgreement.Match, VersionBasis.VersionString), (probe.Versions!.Agreement, probe.Versions.Basis));

        fake.Version("BuildLabel(COMPILER=x,DATE=d,TIME=t,CL_NUMBER=1,TF=1.15.0), RuntimeVersion(16)");
        var mismatched = EdgeTpuProbe.Run(Options);
        Assert.Equal(VersionAgreement.Mismatch, mismatched.Versions!.Agreement);
        Assert.Contains("built for TensorFlow 1.15.0", mismatched.Versions.Message);
        Assert.Contains($"the TFLite C library is {tflite}", mismatched.Versions.Message);
    }

    [Fact]
    public void No_tpu_anywhere_is_reported_within_a_second_naming_the_edge_tpu_and_what_to_check()
    {
        var watch = Stopwatch.StartNew();
        var probe = EdgeTpuProbe.Run(Options);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.False(probe.Usable);
        Assert.Contains("Edge TPU", probe.Problem);
        Assert.Contains("No Coral is attached either", probe.Problem);
        Assert.Contains("udev", probe.Problem);
        Assert.Contains("libedgetpu", probe.Problem);
    }

    [Fact]
    public void A_coral_on_usb_that_libedgetpu_does_not_list_points_at_the_udev_rules()
    {
        sysfs.Usb("1-2", "1a6e", "089a");
        var probe = EdgeTpuProbe.Run(Options);
        Assert.False(probe.Usable);
        Assert.Contains("/sys/bus/usb/devices/1-2 1a6e:089a", probe.Problem);
        Assert.Contains("udev rules are missing", probe.Problem);
    }

    [Fact]
    public void A_missing_libedgetpu_is_reported_with_where_it_was_looked_for()
    {
        var nowhere = new NativeLibraryOptions
        {
            EdgeTpuPath = Path.Combine(sysfs.Root, "lib"),
            TfLitePath = NativeLibraries.Locate(NativeLibraries.TfLite).LoadedFrom,
            SearchApplicationFolders = false,
            SearchSystem = false,
        };
        var probe = EdgeTpuProbe.Run(Options with { Libraries = nowhere });
        Assert.False(probe.Usable);
        Assert.Contains("runtime (libedgetpu.so.1) could not be loaded", probe.Problem);
        Assert.Contains("libedgetpu1-std", probe.Problem);
        Assert.Contains(Path.Combine(sysfs.Root, "lib"), probe.Problem);
        Assert.False(probe.EdgeTpuLibrary.Found);
    }

    [Fact]
    public void Inventory_lists_libraries_engines_and_every_tpu_with_state_and_path()
    {
        fake.Plug(FakeEdgeTpu.Usb("2-1"));
        sysfs.Usb("2-1", "18d1", "9302").Usb("1-2", "1a6e", "089a").ApexDevice("apex_0", "47200");
        fake.Plug(FakeEdgeTpu.Pci(0));
        var text = new StringWriter();
        EngineInventory.Write(text, EdgeTpuProbe.Run(Options), "1.0.26.11724", OnnxRuntimeLibrary.Probe());
        var lines = text.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("libtensorflowlite_c.so") && l.Contains('/'));
        Assert.Contains(lines, l => l.StartsWith("libedgetpu.so.1") && l.Contains("RuntimeVersion("));
        Assert.Contains(lines, l => l.StartsWith("libusb-1.0.so.0") && l.Contains("1.0.26"));
        Assert.Contains(lines, l => l.StartsWith("edgetpu") && l.Contains("available") && l.Contains("2 Edge TPUs"));
        Assert.Contains(lines, l => l.StartsWith("tflite") && l.Contains("available"));
        Assert.Contains("Edge TPUs: 3", lines);
        Assert.Contains(lines, l => l.Contains("/sys/bus/usb/devices/2-1") && l.Contains("ready (18d1:9302)") && l.Contains("libedgetpu: listed"));
        Assert.Contains(lines, l => l.Contains("/dev/apex_0") && l.Contains("bound, 47.2 °C") && l.Contains("libedgetpu: listed"));
        Assert.Contains(lines, l => l.Contains("/sys/bus/usb/devices/1-2") && l.Contains("needs firmware") && l.Contains("not listed"));
    }

    [Fact]
    public void Inventory_without_any_tpu_says_zero_and_why_the_engine_is_unavailable()
    {
        var text = new StringWriter();
        EngineInventory.Write(text, EdgeTpuProbe.Run(Options), null, OnnxRuntimeLibrary.Probe());
        Assert.Contains("Edge TPUs: 0", text.ToString());
        Assert.Contains("edgetpu   unavailable  Edge TPU unavailable", text.ToString());
        Assert.Contains("not found (install Debian libusb-1.0-0)", text.ToString());
    }
}
