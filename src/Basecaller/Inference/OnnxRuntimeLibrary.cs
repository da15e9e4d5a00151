using Microsoft.ML.OnnxRuntime;

namespace Dipper.Basecaller.Inference;

/// <summary>
/// The ONNX Runtime native library this process runs the <c>onnx</c> engine with: its version as the library
/// itself reports it (<c>OrtGetApiBase()-&gt;GetVersionString()</c>) and the file it was loaded from, or why it
/// could not be loaded. <c>dipperd devices</c> lists it beside the TFLite and Edge TPU libraries: whether the
/// arm64 build and the x86-64 build run the same ONNX Runtime is the first question when their calls differ.
/// </summary>
/// <param name="Version">The version the loaded library reports ("1.31.1"); null when it did not load.</param>
/// <param name="LoadedFrom">The mapped file (from /proc/self/maps); null when not loaded or not on Linux.</param>
/// <param name="Problem">Why the library could not be loaded; null when it was.</param>
public sealed record OnnxRuntimeLibrary(string? Version, string? LoadedFrom, string? Problem)
{
    /// <summary>The library's file name on Linux, as the NuGet package ships it.</summary>
    public const string FileName = "libonnxruntime.so";

    /// <summary>Loads ONNX Runtime (if not loaded yet) and reads its version; never throws.</summary>
    public static OnnxRuntimeLibrary Probe()
    {
        string version;
        try
        {
            version = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or OnnxRuntimeException)
        {
            var inner = e is TypeInitializationException { InnerException: { } cause } ? cause : e;
            return new OnnxRuntimeLibrary(null, null, $"{FileName} could not be loaded: {inner.Message}");
        }
        return new OnnxRuntimeLibrary(version, MappedFile(), null);
    }

    // The loader knows where it found the library; /proc/self/maps is where Linux says so.
    private static string? MappedFile()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (var line in File.ReadLines(maps))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && Path.GetFileName(line.AsSpan(slash)).StartsWith(FileName, StringComparison.Ordinal)) return line[slash..];
        }
        return null;
    }
}
