using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Output;

/// <summary>A read with its call: what every output format writes.</summary>
/// <param name="Read">The read as it came from the signal file (id, run, channel, timing).</param>
/// <param name="Sequence">Bases and qualities.</param>
/// <param name="Model">Name of the model that called it, for the header.</param>
public sealed record CalledRead(Read Read, DecodedSequence Sequence, string Model)
{
    /// <summary>Where each base starts along the signal (the CTC path at the model's stride), when the decoder kept the path.</summary>
    public MoveTable? Moves { get; init; }

    /// <summary>The read's mean quality (<see cref="MeanQuality.Of"/>): BAM's <c>qs</c>, the summary's mean_qscore_template, the pass/fail test.</summary>
    public double MeanQScore => MeanQuality.Of(Sequence.Qualities);

    /// <summary>The read's length in seconds: its samples over its sample rate.</summary>
    public double DurationSeconds => Read.SampleRate > 0 ? Read.SampleCount / Read.SampleRate : 0;
}
