namespace Dipper.Tpu.Native;

/// <summary>
/// A native library Dipper needs could not be loaded. Carries where it looked and what to install, because
/// the runtime's own <see cref="DllNotFoundException"/> names neither.
/// </summary>
public sealed class NativeLibraryNotFoundException : Exception
{
    /// <summary>Creates the error from a failed search.</summary>
    public NativeLibraryNotFoundException(NativeLibraryLocation location, string advice, Exception? inner = null)
        : base($"{location.Library} could not be loaded. {advice} Tried: {string.Join("; ", location.Tried)}", inner)
    {
        Location = location;
    }

    /// <summary>The search that failed.</summary>
    public NativeLibraryLocation Location { get; }
}
