namespace Dipper.Basecaller.Pipeline;

/// <summary>One window of a read on its way through inference: which read, which window.</summary>
/// <param name="Read">The read the chunk was cut from.</param>
/// <param name="Index">Position of the chunk in the read, 0-based.</param>
public readonly record struct Chunk(ReadInProgress Read, int Index);
