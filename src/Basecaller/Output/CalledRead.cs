using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Output;

/// <summary>A read with its call: what every output format writes.</summary>
/// <param name="Read">The read as it came from the signal file (id, run, channel, timing).</param>
/// <param name="Sequence">Bases and qualities.</param>
/// <param name="Model">Name of the model that called it, for the header.</param>
public sealed record CalledRead(Read Read, DecodedSequence Sequence, string Model);
