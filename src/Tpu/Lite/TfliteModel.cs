using Dipper.Tpu.Native;

namespace Dipper.Tpu.Lite;

/// <summary>
/// A loaded TFLite model. Several interpreters may share one; the native model (and the model bytes it reads
/// in place) lives until this object and every interpreter made from it are disposed.
/// </summary>
public sealed class TfliteModel : IDisposable
{
    private TfliteModel(TfLiteModelHandle handle, string source)
    {
        Handle = handle;
        Source = source;
    }

    /// <summary>Where the model came from (a path, or "memory"), for messages.</summary>
    public string Source { get; }

    internal TfLiteModelHandle Handle { get; }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">TFLite cannot parse the file.</exception>
    /// <exception cref="NativeLibraryNotFoundException">The TFLite C library cannot be loaded.</exception>
    public static TfliteModel FromFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{full}: no such TFLite model", full);
        TfliteRuntime.EnsureLoaded();
        var handle = TfLiteModelHandle.FromFile(full)
            ?? throw new InvalidDataException($"{full}: TFLite could not read this file as a model (not a .tflite FlatBuffer, or truncated)");
        return new TfliteModel(handle, full);
    }

    /// <summary>Loads a model from memory; the bytes are copied, so the span may be reused afterwards.</summary>
    /// <exception cref="InvalidDataException">TFLite cannot parse the bytes.</exception>
    /// <exception cref="NativeLibraryNotFoundException">The TFLite C library cannot be loaded.</exception>
    public static TfliteModel FromBytes(ReadOnlySpan<byte> model, string source = "memory")
    {
        TfliteRuntime.EnsureLoaded();
        var handle = TfLiteModelHandle.FromBuffer(model)
            ?? throw new InvalidDataException($"{source}: TFLite could not read {model.Length} bytes as a model");
        return new TfliteModel(handle, source);
    }

    /// <summary>Releases this reference; the native model goes when its last interpreter does.</summary>
    public void Dispose() => Handle.Dispose();
}
