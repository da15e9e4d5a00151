namespace Dipper.Compiler.Labelling;

/// <summary>A window of a read's normalised signal and the reference bases it shows, in the signal's orientation.</summary>
/// <param name="ReadId">The read it was cut from.</param>
/// <param name="Start">Its first sample in the read.</param>
/// <param name="Signal">Normalised samples, as the model sees them.</param>
/// <param name="Reference">Bases as the model's class indices (1–4 for A, C, G, T with alphabet "NACGT"; 0 is the CTC blank).</param>
public sealed record LabelledChunk(string ReadId, int Start, float[] Signal, byte[] Reference);
