using System.Runtime.InteropServices;
using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// TensorFlow Lite's XNNPACK delegate: XNNPACK's CPU kernels (AVX-512/AVX2 on x86-64, NEON and the dot-product
/// instructions on arm64) for the operators it supports, in place of TFLite's built-in kernels. Built into the TFLite C
/// library Dipper ships (TF 2.9.0). On the bundled model it computes chunks 1.7–9× faster per CPU-second than the built-in
/// kernels but at most 0.6× as fast as ONNX Runtime (docs/cpu-speed.md, bench/xnnpack), so dipperd does not use it; the
/// TFLite engine takes it on request (<c>TfliteEngineOptions.XnnPack</c>). Disposing it while interpreters still use it
/// is safe: the native delegate is freed after the last of them.
/// </summary>
public sealed class XnnPackDelegate : TfliteDelegate
{
    /// <summary>The C functions a TFLite library must export for this delegate.</summary>
    internal static readonly string[] Exports =
        ["TfLiteXNNPackDelegateOptionsDefault", "TfLiteXNNPackDelegateCreate", "TfLiteXNNPackDelegateDelete"];

    private XnnPackDelegate(XnnPackDelegateHandle handle, int threads, bool quantised) : base(handle)
    {
        Threads = threads;
        Quantised = quantised;
    }

    /// <summary>Threads of the delegate's own pool (1: the calling thread only).</summary>
    public int Threads { get; }

    /// <summary>Whether the delegate also claims int8 operators (otherwise an int8 model stays on the built-in kernels).</summary>
    public bool Quantised { get; }

    /// <summary>
    /// Creates the delegate. With <paramref name="quantised"/> it also takes signed int8 operators (TFLite 2.9's
    /// default leaves them to the built-in kernels); float operators it always takes.
    /// </summary>
    /// <exception cref="XnnPackUnavailableException">The TFLite library was built without XNNPACK, or XNNPACK cannot start on this CPU.</exception>
    /// <exception cref="NativeLibraryNotFoundException">The TFLite C library cannot be loaded.</exception>
    public static unsafe XnnPackDelegate Create(int threads = 1, bool quantised = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        TfliteRuntime.EnsureLoaded();
        if (TfliteRuntime.Locate().LoadedFrom is { } library) Require(library);
        TfLiteXNNPackDelegateOptions options;
        try
        {
            options = TfLiteNative.TfLiteXNNPackDelegateOptionsDefault();
        }
        catch (EntryPointNotFoundException e)
        {
            // Located elsewhere than the check looked (the resolver bound another file): same remedy.
            throw new XnnPackUnavailableException($"the TFLite C library in use does not export {Exports[0]}. {XnnPackUnavailableException.Remedy}", e);
        }
        options.NumThreads = threads;
        if (quantised) options.Flags |= TfLiteXNNPackDelegateOptions.SignedQuantised;
        var handle = XnnPackDelegateHandle.Own(TfLiteNative.TfLiteXNNPackDelegateCreate(&options))
            ?? throw new XnnPackUnavailableException(
                $"TfLiteXNNPackDelegateCreate returned no delegate (XNNPACK could not start on this CPU). {XnnPackUnavailableException.Remedy}");
        return new XnnPackDelegate(handle, threads, quantised);
    }

    /// <summary>Throws when the library file at <paramref name="libraryPath"/> lacks the delegate's exports.</summary>
    /// <exception cref="XnnPackUnavailableException">A function is missing; the message names the file and the functions.</exception>
    internal static void Require(string libraryPath)
    {
        var missing = MissingExports(libraryPath);
        if (missing.Count > 0)
            throw new XnnPackUnavailableException(
                $"{libraryPath} was built without the XNNPACK delegate (it does not export {string.Join(", ", missing)}). " +
                XnnPackUnavailableException.Remedy);
    }

    /// <summary>Which of <see cref="Exports"/> the library file lacks (all of them when it does not load).</summary>
    internal static IReadOnlyList<string> MissingExports(string libraryPath)
    {
        if (!NativeLibrary.TryLoad(libraryPath, out var library)) return Exports;
        try
        {
            return Exports.Where(name => !NativeLibrary.TryGetExport(library, name, out _)).ToArray();
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }
}
