using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dipper.Device.Commands;

/// <summary>
/// The figures of one <c>dipperd basecall</c> run, written as JSON (<c>--summary</c>) for benchmarks,
/// CI and the appliance's run log.
/// </summary>
public sealed record BasecallSummary
{
    /// <summary>Reads called and written.</summary>
    public long Reads { get; init; }

    /// <summary>Reads refused (unsupported sample rate, no signal).</summary>
    public long FailedReads { get; init; }

    /// <summary>Signal files that were damaged or unreadable, wholly or in part.</summary>
    public long FailedFiles { get; init; }

    /// <summary>Raw samples of the reads written.</summary>
    public long Samples { get; init; }

    /// <summary>Bases written.</summary>
    public long Bases { get; init; }

    /// <summary>Wall-clock time of the pipeline run (model loading excluded).</summary>
    public double Seconds { get; init; }

    /// <summary>Samples / seconds: the figure to compare with a MinION's 2 M samples/s.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Engine that ran the model.</summary>
    public required string Engine { get; init; }

    /// <summary>Model name.</summary>
    public required string Model { get; init; }

    /// <summary>Inference workers.</summary>
    public int Threads { get; init; }

    /// <summary>Beam width, 1 for greedy decoding.</summary>
    public int Beam { get; init; }

    /// <summary>Chunks per network call.</summary>
    public int Batch { get; init; }

    /// <summary>Samples per chunk (<c>--chunk</c>, or the model manifest's).</summary>
    public int ChunkSamples { get; init; }

    /// <summary>Samples shared by consecutive chunks (<c>--overlap</c>, or the model manifest's).</summary>
    public int ChunkOverlap { get; init; }

    /// <summary>Chunks the network computed: chunks × <see cref="ChunkSamples"/> over <see cref="Samples"/> is the share of work that overlap and padding add.</summary>
    public long Chunks { get; init; }

    /// <summary>
    /// Samples the network computed, overlap and padding included; over <see cref="Samples"/>, the work the chunking adds.
    /// Less than <see cref="Chunks"/> × <see cref="ChunkSamples"/> when each read's last chunk runs at its own length.
    /// </summary>
    public long ChunkSamplesComputed { get; init; }

    /// <summary>The output file.</summary>
    public required string Output { get; init; }

    /// <summary>JSON settings: snake_case names, as the other tools of the field write them.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
