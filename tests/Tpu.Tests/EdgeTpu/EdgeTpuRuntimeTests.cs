using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.EdgeTpu;

[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuRuntimeTests : IDisposable
{
    private readonly FakeEdgeTpu fake = new();

    public void Dispose() => fake.Dispose();

    [Fact]
    public void No_device_gives_an_empty_list()
    {
        Assert.Empty(EdgeTpuRuntime.ListDevices());
        Assert.Equal(0, fake.LiveDeviceLists);
    }

    [Fact]
    public void Devices_are_read_from_libedgetpus_block_with_their_type_and_path_then_freed_once()
    {
        var misuse = fake.Misuse;
        var longPath = "/sys/bus/usb/devices/3-1.2.4.1";
        fake.Plug(FakeEdgeTpu.Usb()).Plug(FakeEdgeTpu.Pci(1)).Plug(new EdgeTpuDevice(EdgeTpuDeviceType.Usb, longPath));

        var devices = EdgeTpuRuntime.ListDevices();

        Assert.Equal(
            [FakeEdgeTpu.Usb(), FakeEdgeTpu.Pci(1), new EdgeTpuDevice(EdgeTpuDeviceType.Usb, longPath)],
            devices);
        Assert.Equal(0, fake.LiveDeviceLists);
        Assert.Equal(misuse, fake.Misuse);
    }

    [Fact]
    public void Version_string_is_returned_unchanged()
    {
        const string version = "BuildLabel(COMPILER=6.3.0 20170516,DATE=redacted,TIME=redacted,CL_NUMBER=317268237), RuntimeVersion(14)";
        fake.Version(version);
        Assert.Equal(version, EdgeTpuRuntime.Version);
    }

    [Fact]
    public void Verbosity_reaches_libedgetpu_and_out_of_range_levels_do_not()
    {
        EdgeTpuRuntime.SetVerbosity(3);
        Assert.Equal(3, fake.Verbosity);
        Assert.Throws<ArgumentOutOfRangeException>(() => EdgeTpuRuntime.SetVerbosity(11));
        Assert.Equal(3, fake.Verbosity);
        EdgeTpuRuntime.SetVerbosity(0);
    }

    [Fact]
    public void Native_device_struct_is_16_bytes_with_the_path_at_offset_8()
    {
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<EdgeTpuDeviceNative>());
        Assert.Equal(8, (int)System.Runtime.InteropServices.Marshal.OffsetOf<EdgeTpuDeviceNative>(nameof(EdgeTpuDeviceNative.Path)));
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<EdgeTpuOptionNative>());
    }

    [Fact]
    public void Ten_thousand_device_listings_leave_no_native_block_behind()
    {
        fake.Plug(FakeEdgeTpu.Usb()).Plug(FakeEdgeTpu.Usb("2-2"));
        var misuse = fake.Misuse;
        for (var i = 0; i < 10_000; i++) Assert.Equal(2, EdgeTpuRuntime.ListDevices().Count);
        Assert.Equal(0, fake.LiveDeviceLists);
        Assert.Equal(misuse, fake.Misuse);
    }
}
