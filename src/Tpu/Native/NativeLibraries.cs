using System.Reflection;
using System.Runtime.InteropServices;

namespace Dipper.Tpu.Native;

/// <summary>
/// Finds the native libraries behind this assembly's <c>[LibraryImport]</c> declarations.
/// </summary>
/// <remarks>
/// The runtime allows exactly one <see cref="NativeLibrary.SetDllImportResolver"/> per assembly and caches
/// each library once it has bound a call to it, so where the libraries come from is decided once per
/// process. That is the one piece of static state in this assembly: <see cref="Configure"/> may be called
/// before the first native call (e.g. from the service's options); otherwise the first native call
/// installs the resolver with <see cref="NativeLibraryOptions.FromEnvironment"/>. Configuring again with
/// different options afterwards throws instead of being silently ignored.
/// </remarks>
public static class NativeLibraries
{
    /// <summary>Library name used in declarations for the TensorFlow Lite C API.</summary>
    public const string TfLite = "tensorflowlite_c";

    /// <summary>Library name used in declarations for the Coral Edge TPU runtime.</summary>
    public const string EdgeTpu = "edgetpu";

    /// <summary>Library name used in declarations for libusb-1.0.</summary>
    public const string LibUsb = "usb-1.0";

    private static readonly Lock Gate = new();
    private static NativeLibraryOptions? current;

    /// <summary>The options in effect (after the first native call or <see cref="Configure"/>), else null.</summary>
    public static NativeLibraryOptions? Current
    {
        get
        {
            lock (Gate) return current;
        }
    }

    /// <summary>Fixes where native libraries are loaded from for the rest of the process.</summary>
    /// <exception cref="InvalidOperationException">Different options are already in effect.</exception>
    public static void Configure(NativeLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (current is not null)
            {
                if (current == options) return;
                throw new InvalidOperationException(
                    "Native library locations are fixed once per process (the runtime allows one resolver per assembly); " +
                    $"already configured as {current}, asked for {options}.");
            }
            Install(options);
        }
    }

    /// <summary>Installs the resolver with the environment's options unless <see cref="Configure"/> ran first.</summary>
    internal static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (current is null) Install(NativeLibraryOptions.FromEnvironment());
        }
    }

    /// <summary>
    /// Looks for a library the way the resolver would (with <paramref name="options"/>, default: the options in
    /// effect) without keeping it loaded; for probes and diagnostics.
    /// </summary>
    public static NativeLibraryLocation Locate(string library, NativeLibraryOptions? options = null)
    {
        options ??= Current ?? NativeLibraryOptions.FromEnvironment();
        var location = Search(library, options, out var handle);
        if (handle != 0) NativeLibrary.Free(handle);
        return location;
    }

    /// <summary>The file name of a library as the system knows it (its soname).</summary>
    public static string FileName(string library) => library switch
    {
        TfLite => "libtensorflowlite_c.so",
        EdgeTpu => "libedgetpu.so.1",
        LibUsb => "libusb-1.0.so.0",
        _ => throw new ArgumentException($"unknown native library '{library}'", nameof(library)),
    };

    private static void Install(NativeLibraryOptions options)
    {
        current = options;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    private static nint Resolve(string library, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (library is not (TfLite or EdgeTpu or LibUsb)) return 0;
        Search(library, Current ?? NativeLibraryOptions.FromEnvironment(), out var handle);
        return handle; // 0 makes the runtime throw DllNotFoundException; callers turn that into NativeLibraryNotFoundException
    }

    private static NativeLibraryLocation Search(string library, NativeLibraryOptions options, out nint handle)
    {
        var fileName = FileName(library);
        var tried = new List<string>();
        foreach (var candidate in Candidates(library, fileName, options))
        {
            if (Path.IsPathRooted(candidate) && !File.Exists(candidate))
            {
                tried.Add($"{candidate} (no such file)");
                continue;
            }
            try
            {
                handle = NativeLibrary.Load(candidate);
                return new NativeLibraryLocation(fileName, candidate, tried);
            }
            catch (DllNotFoundException e)
            {
                tried.Add($"{candidate} ({LoaderReason(e)})");
            }
            catch (BadImageFormatException e)
            {
                tried.Add($"{candidate} (wrong architecture: {e.Message})");
            }
        }
        handle = 0;
        return new NativeLibraryLocation(fileName, null, tried);
    }

    /// <summary>The loader's own reason (dlerror's line), without the runtime's generic advice around it.</summary>
    private static string LoaderReason(DllNotFoundException e)
    {
        var lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "cannot be loaded" : lines[^1];
    }

    private static IEnumerable<string> Candidates(string library, string fileName, NativeLibraryOptions options)
    {
        var configured = library switch
        {
            TfLite => options.TfLitePath,
            EdgeTpu => options.EdgeTpuPath,
            LibUsb => options.LibUsbPath,
            _ => null,
        };
        if (configured is not null)
            yield return Directory.Exists(configured) ? Path.Combine(Path.GetFullPath(configured), fileName) : Path.GetFullPath(configured);
        if (options.SearchApplicationFolders)
        {
            var baseDirectory = AppContext.BaseDirectory;
            yield return Path.Combine(baseDirectory, fileName);
            var rid = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "linux-x64",
                Architecture.Arm64 => "linux-arm64",
                var other => $"linux-{other.ToString().ToLowerInvariant()}",
            };
            for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ".native", rid, fileName);
                if (File.Exists(candidate)) yield return candidate;
            }
        }
        if (options.SearchSystem) yield return fileName;
    }
}
