using System.Runtime.InteropServices;

namespace Dipper.Compiler.Training;

/// <summary>
/// The C library's environment. .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes
/// only the managed copy on Linux; native libraries (libtorch's OpenMP runtime) read the process environment
/// through getenv, so a setting meant for them must go through setenv.
/// </summary>
internal static partial class LibC
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets <paramref name="name"/> for native code unless it is already set (a user's choice wins).</summary>
    public static void SetIfUnset(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is not null) return;
        if (SetEnv(name, value, 0) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, value);
    }
}
