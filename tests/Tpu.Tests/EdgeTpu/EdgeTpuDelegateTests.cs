using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Lite;
using Dipper.Tpu.Native;
using Dipper.Tpu.Tests.Support;

namespace Dipper.Tpu.Tests.EdgeTpu;

[Collection(FakeEdgeTpuCollection.Name)]
public sealed class EdgeTpuDelegateTests : IDisposable
{
    private readonly FakeEdgeTpu fake = new();

    public EdgeTpuDelegateTests() => TfliteLibrary.Require();

    public void Dispose() => fake.Dispose();

    [Fact]
    public void Options_reach_libedgetpu_as_name_value_strings_with_the_device_path()
    {
        var tpu = FakeEdgeTpu.Usb();
        fake.Plug(tpu);
        using var d = EdgeTpuDelegate.Create(tpu, new EdgeTpuDelegateOptions
        {
            Performance = EdgeTpuPerformance.High,
            UsbMaxBulkInQueueLength = 16,
            UsbAlwaysDfu = false,
        });
        Assert.Equal("type=1;name=/sys/bus/usb/devices/2-1;options=Performance=High,Usb.MaxBulkInQueueLength=16,Usb.AlwaysDfu=False", fake.LastCreate);
        Assert.Equal(tpu, d.Device);
    }

    [Fact]
    public void Without_options_the_device_is_still_named()
    {
        var tpu = FakeEdgeTpu.Pci();
        fake.Plug(tpu);
        using var d = EdgeTpuDelegate.Create(tpu);
        Assert.Equal("type=0;name=/dev/apex_0;options=", fake.LastCreate);
    }

    [Fact]
    public void A_device_without_a_path_is_refused_before_libedgetpu_would_abort_the_process()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        var before = fake.LastCreate;
        Assert.Throws<ArgumentException>(() => EdgeTpuDelegate.Create(new EdgeTpuDevice(EdgeTpuDeviceType.Usb, ""),
            new EdgeTpuDelegateOptions { Performance = EdgeTpuPerformance.Low }));
        Assert.Equal(before, fake.LastCreate);
    }

    [Fact]
    public void Values_libedgetpu_would_reject_are_refused_in_managed_code()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        Assert.Throws<ArgumentOutOfRangeException>(() => EdgeTpuDelegate.Create(FakeEdgeTpu.Usb(),
            new EdgeTpuDelegateOptions { Performance = (EdgeTpuPerformance)7 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EdgeTpuDelegate.Create(FakeEdgeTpu.Usb(),
            new EdgeTpuDelegateOptions { UsbMaxBulkInQueueLength = 257 }));
        Assert.Equal(0, fake.LiveDelegates);
    }

    [Fact]
    public unsafe void The_test_library_rejects_an_unknown_performance_value_as_libedgetpu_does()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        var name = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("/sys/bus/usb/devices/2-1");
        var key = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("Performance");
        var value = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8("Turbo");
        try
        {
            var option = new EdgeTpuOptionNative { Name = key, Value = value };
            Assert.Equal(0, EdgeTpuNative.CreateDelegate(EdgeTpuDeviceType.Usb, (byte*)name, &option, 1));
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem(name);
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem(key);
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem(value);
        }
    }

    [Fact]
    public void A_missing_device_is_reported_with_its_path_and_what_to_check()
    {
        fake.Plug(FakeEdgeTpu.Usb("2-1"));
        var e = Assert.Throws<EdgeTpuException>(() => EdgeTpuDelegate.Create(FakeEdgeTpu.Usb("2-9")));
        Assert.Contains("/sys/bus/usb/devices/2-9", e.Message);
        Assert.Contains("udev", e.Message);
        Assert.Equal(FakeEdgeTpu.Usb("2-9"), e.Device);
    }

    [Fact]
    public void A_device_that_cannot_be_opened_is_reported_as_an_edge_tpu_error()
    {
        fake.Plug(FakeEdgeTpu.Usb()).FailCreate();
        var e = Assert.Throws<EdgeTpuException>(() => EdgeTpuDelegate.Create(FakeEdgeTpu.Usb(),
            new EdgeTpuDelegateOptions { Performance = EdgeTpuPerformance.Max }));
        Assert.Contains("Performance=Max", e.Message);
        Assert.Contains("Edge TPU", e.Message);
    }

    [Fact]
    public void Delegate_runs_the_edgetpu_op_and_the_interpreter_returns_its_result()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(TestModels.EdgeTpuIdentity());
        using var tpu = EdgeTpuDelegate.Create(FakeEdgeTpu.Usb());
        using var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Delegates = [tpu] });
        interpreter.AllocateTensors();
        var invokes = fake.KernelInvokes;
        interpreter.Inputs[0].CopyFrom<float>([1, -2, 3.5f, 4]);
        interpreter.Invoke();
        var y = new float[4];
        interpreter.Outputs[0].CopyTo<float>(y);
        Assert.Equal([1, -2, 3.5f, 4], y);
        Assert.Equal(invokes + 1, fake.KernelInvokes);
    }

    [Fact]
    public void A_tpu_pulled_out_makes_the_invoke_itself_fail_with_libedgetpus_message()
    {
        var device = FakeEdgeTpu.Usb();
        fake.Plug(device);
        using var model = TfliteModel.FromBytes(TestModels.EdgeTpuIdentity());
        using var tpu = EdgeTpuDelegate.Create(device);
        using var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Delegates = [tpu] });
        interpreter.AllocateTensors();
        interpreter.Inputs[0].CopyFrom<float>([1, 2, 3, 4]);
        interpreter.Invoke();

        fake.Unplug(device);
        var e = Assert.Throws<TfliteException>(interpreter.Invoke);
        Assert.Equal(TfLiteStatus.Error, e.Status);
        Assert.Contains("device /sys/bus/usb/devices/2-1 was removed", e.Message);
        Assert.Contains("TfLiteInterpreterInvoke", e.Message);
    }

    [Fact]
    public void Delegate_disposed_before_its_interpreter_is_freed_only_after_the_interpreter()
    {
        fake.Plug(FakeEdgeTpu.Usb());
        using var model = TfliteModel.FromBytes(TestModels.EdgeTpuIdentity());
        var tpu = EdgeTpuDelegate.Create(FakeEdgeTpu.Usb());
        var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Delegates = [tpu] });
        var live = fake.LiveDelegates;
        tpu.Dispose();
        tpu.Dispose();
        Assert.Equal(live, fake.LiveDelegates);
        interpreter.AllocateTensors();
        interpreter.Inputs[0].CopyFrom<float>([1, 2, 3, 4]);
        interpreter.Invoke();
        interpreter.Dispose();
        Assert.Equal(live - 1, fake.LiveDelegates);
    }

    [Fact]
    public void Ten_thousand_create_and_dispose_cycles_leave_no_delegate_and_free_nothing_twice()
    {
        var device = FakeEdgeTpu.Usb();
        fake.Plug(device);
        using var model = TfliteModel.FromBytes(TestModels.EdgeTpuIdentity());
        var misuse = fake.Misuse;
        var created = fake.DelegatesCreated;
        var y = new float[4];
        for (var i = 0; i < 10_000; i++)
        {
            var tpu = EdgeTpuDelegate.Create(device, new EdgeTpuDelegateOptions { Performance = EdgeTpuPerformance.Medium, UsbMaxBulkInQueueLength = 8 });
            var interpreter = new TfliteInterpreter(model, new TfliteInterpreterOptions { Delegates = [tpu] });
            interpreter.AllocateTensors();
            interpreter.Inputs[0].CopyFrom<float>([i, 1, 2, 3]);
            interpreter.Invoke();
            interpreter.Outputs[0].CopyTo<float>(y);
            Assert.Equal(i, y[0]);
            // Alternate the disposal order: the handles must free interpreter, then delegate, either way.
            if (i % 2 == 0)
            {
                interpreter.Dispose();
                tpu.Dispose();
            }
            else
            {
                tpu.Dispose();
                interpreter.Dispose();
            }
        }
        Assert.Equal(created + 10_000, fake.DelegatesCreated);
        Assert.Equal(0, fake.LiveDelegates);
        Assert.Equal(misuse, fake.Misuse);
    }
}
