using System.Reflection;
using System.Runtime.InteropServices;
using Dipper.Basecaller.Native;
using Dipper.Tpu.EdgeTpu;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Tests.Support;

/// <summary>Tests that drive the libedgetpu test double share its process-wide config file, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FakeEdgeTpuCollection
{
    public const string Name = "fake libedgetpu";
}

/// <summary>
/// Controls tests/native/fake_edgetpu.c (built into the test output folder as libedgetpu.so.1): which TPUs it
/// reports, which failures it injects, and its counters of live objects and misuse.
/// </summary>
internal sealed partial class FakeEdgeTpu : IDisposable
{
    public const string ConfigVariable = "DIPPER_FAKE_EDGETPU_CONFIG";
    private const string Library = "libedgetpu.so.1";
    private static readonly string LibraryPath = Path.Combine(AppContext.BaseDirectory, Library);

    static FakeEdgeTpu() =>
        NativeLibrary.SetDllImportResolver(Assembly.GetExecutingAssembly(),
            (name, _, _) => name switch
            {
                Library => NativeLibrary.Load(LibraryPath),
                _ => 0,
            });

    private readonly string configFile = Path.Combine(Path.GetTempPath(), $"dipper-fake-edgetpu-{Guid.NewGuid():N}.conf");
    private readonly List<string> lines = [];

    public FakeEdgeTpu()
    {
        Assert.True(File.Exists(LibraryPath), $"{LibraryPath} missing: the test build compiles tests/native/fake_edgetpu.c with gcc");
        var location = NativeLibraries.Locate(NativeLibraries.EdgeTpu);
        Assert.Equal(LibraryPath, location.LoadedFrom);
        // Environment.SetEnvironmentVariable does not reach the C library's environment on Linux.
        LibCNative.SetEnvironment(ConfigVariable, configFile);
        fake_edgetpu_clear_create_log();
        Write();
    }

    public static EdgeTpuDevice Usb(string port = "2-1") => new(EdgeTpuDeviceType.Usb, $"/sys/bus/usb/devices/{port}");

    public static EdgeTpuDevice Pci(int index = 0) => new(EdgeTpuDeviceType.Pci, $"/dev/apex_{index}");

    public long LiveDelegates => fake_edgetpu_live_delegates();

    public long LiveDeviceLists => fake_edgetpu_live_device_lists();

    public long Misuse => fake_edgetpu_misuse_count();

    public long DelegatesCreated => fake_edgetpu_delegates_created();

    public long KernelInvokes => fake_edgetpu_kernel_invokes();

    /// <summary>Delegates created for a TPU that was already open, which libedgetpu runs with the first delegate's options.</summary>
    public long IgnoredOptions => fake_edgetpu_ignored_options();

    public int Verbosity => fake_edgetpu_verbosity();

    public string LastCreate => Marshal.PtrToStringUTF8(fake_edgetpu_last_create()) ?? "";

    /// <summary>The edgetpu_create_delegate calls since this test began (the latest few hundred), oldest first, each ending in " -> delegate" or " -> NULL".</summary>
    public IReadOnlyList<string> CreateLog =>
        (Marshal.PtrToStringUTF8(fake_edgetpu_create_log()) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Invokes run on delegates created with this Performance value ("(default)" for none).</summary>
    public long InvokesAt(string performance) => fake_edgetpu_invokes_at(performance);

    /// <summary>Makes every TPU invoke take <paramref name="milliseconds"/>, so a test can act while a batch runs.</summary>
    public FakeEdgeTpu InvokeDelay(int milliseconds)
    {
        lines.RemoveAll(l => l.StartsWith("invoke delay ", StringComparison.Ordinal));
        if (milliseconds > 0) lines.Add($"invoke delay {milliseconds}");
        Write();
        return this;
    }

    public FakeEdgeTpu Plug(EdgeTpuDevice device)
    {
        lines.Add($"device {(device.Type == EdgeTpuDeviceType.Usb ? "usb" : "pci")} {device.Path}");
        Write();
        return this;
    }

    public FakeEdgeTpu Unplug(EdgeTpuDevice device)
    {
        lines.Remove($"device {(device.Type == EdgeTpuDeviceType.Usb ? "usb" : "pci")} {device.Path}");
        Write();
        return this;
    }

    public FakeEdgeTpu FailCreate(bool fail = true)
    {
        lines.Remove("fail create");
        if (fail) lines.Add("fail create");
        Write();
        return this;
    }

    public FakeEdgeTpu Version(string version)
    {
        lines.RemoveAll(l => l.StartsWith("version ", StringComparison.Ordinal));
        lines.Add($"version {version}");
        Write();
        return this;
    }

    public void Dispose()
    {
        LibCNative.UnsetEnvironment(ConfigVariable);
        File.Delete(configFile);
    }

    private void Write() => File.WriteAllLines(configFile, lines);

    [LibraryImport(Library)] private static partial long fake_edgetpu_live_delegates();
    [LibraryImport(Library)] private static partial long fake_edgetpu_live_device_lists();
    [LibraryImport(Library)] private static partial long fake_edgetpu_misuse_count();
    [LibraryImport(Library)] private static partial long fake_edgetpu_delegates_created();
    [LibraryImport(Library)] private static partial long fake_edgetpu_kernel_invokes();
    [LibraryImport(Library)] private static partial long fake_edgetpu_ignored_options();
    [LibraryImport(Library)] private static partial int fake_edgetpu_verbosity();
    [LibraryImport(Library)] private static partial nint fake_edgetpu_last_create();
    [LibraryImport(Library)] private static partial nint fake_edgetpu_create_log();
    [LibraryImport(Library)] private static partial void fake_edgetpu_clear_create_log();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long fake_edgetpu_invokes_at(string performance);
}
