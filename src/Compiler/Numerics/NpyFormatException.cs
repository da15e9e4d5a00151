namespace Dipper.Compiler.Numerics;

/// <summary>A <c>.npy</c> file that Dipper cannot read: wrong magic, dtype, layout or shape, or truncated data.</summary>
public sealed class NpyFormatException(string path, string message) : Exception($"{path}: {message}")
{
    /// <summary>The offending file.</summary>
    public string Path { get; } = path;
}
