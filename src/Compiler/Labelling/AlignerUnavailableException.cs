namespace Dipper.Compiler.Labelling;

/// <summary>minimap2 is not installed (or not on PATH), so reads cannot be aligned to label them.</summary>
public sealed class AlignerUnavailableException(string message) : Exception(message);
