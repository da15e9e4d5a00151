namespace Dipper.Compiler.Numerics;

/// <summary>NumPy's dtype strings for the element types Dipper exchanges as <c>.npy</c> arrays (little-endian).</summary>
public static class NpyDtype
{
    /// <summary>The dtype string of <typeparamref name="T"/>: <c>&lt;f4</c>, <c>&lt;f8</c>, <c>|u1</c>, <c>&lt;u2</c>, <c>&lt;i4</c>.</summary>
    /// <exception cref="NotSupportedException">Another element type.</exception>
    public static string Of<T>() where T : unmanaged => typeof(T) switch
    {
        var t when t == typeof(float) => "<f4",
        var t when t == typeof(double) => "<f8",
        var t when t == typeof(byte) => "|u1",
        var t when t == typeof(ushort) => "<u2",
        var t when t == typeof(int) => "<i4",
        var t => throw new NotSupportedException($"no .npy dtype for {t.Name}"),
    };
}
