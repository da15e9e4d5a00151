namespace Dipper.Compiler.Passes.Compression;

/// <summary>
/// A layer named to be kept dense is not a convolution or linear layer of the model: a usage error,
/// reported with the names that do exist so the user can copy the right one from the message.
/// </summary>
public sealed class UnknownLayerException : ArgumentException
{
    /// <summary>Creates the error for <paramref name="unknown"/>, listing <paramref name="known"/>.</summary>
    public UnknownLayerException(IReadOnlyList<string> unknown, IReadOnlyList<string> known)
        : base($"--keep-dense: no convolution or linear layer named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; " +
               $"use stem, output, depthwise or one of: {string.Join(", ", known)}")
    {
        Unknown = unknown;
        Known = known;
    }

    /// <summary>The names that matched no layer.</summary>
    public IReadOnlyList<string> Unknown { get; }

    /// <summary>The model's compressible layers, in graph order.</summary>
    public IReadOnlyList<string> Known { get; }
}
