using System.Globalization;

namespace Dipper.Device.Service;

/// <summary>What <c>dipperd run</c>'s command line says, to be laid over the configuration files.</summary>
public sealed record RunSettings
{
    /// <summary>The configuration file that is read when <see cref="ConfigFile"/> is not given (optional then).</summary>
    public const string SystemConfigFile = "/etc/dipper/dipperd.json";

    /// <summary>Input folders; when any are given they replace those of the configuration files.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Output folder, or null for the configured one.</summary>
    public string? Output { get; init; }

    /// <summary>State folder, or null for the configured one.</summary>
    public string? State { get; init; }

    /// <summary>Model package folder, or null for the configured one.</summary>
    public string? Model { get; init; }

    /// <summary>Configuration file read instead of /etc/dipper/dipperd.json (and then required).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Engine, or null for the configured one.</summary>
    public string? Engine { get; init; }

    /// <summary>Inference workers, or null for the configured number.</summary>
    public int? Threads { get; init; }

    /// <summary>Samples per chunk, or null for the configured one (by default the model manifest's).</summary>
    public int? Chunk { get; init; }

    /// <summary>Samples shared by consecutive chunks, or null for the configured one (by default the model manifest's).</summary>
    public int? Overlap { get; init; }

    /// <summary>Beam width, or null for the configured one.</summary>
    public int? Beam { get; init; }

    /// <summary>Greedy decoding (beam 1).</summary>
    public bool Greedy { get; init; }

    /// <summary>Call reads of another chemistry than the model's (<see cref="ServiceOptions.IgnoreChemistry"/>); false leaves the configured setting.</summary>
    public bool IgnoreChemistry { get; init; }

    /// <summary>The pass/fail quality threshold (<see cref="OutputOptions.MinQScore"/>), or null for the configured one.</summary>
    public double? MinQScore { get; init; }

    /// <summary>Status port, or null for the configured one.</summary>
    public int? StatusPort { get; init; }

    /// <summary>Further <c>--Section:Key=value</c> settings, as for any .NET host.</summary>
    public IReadOnlyList<string> ConfigurationArgs { get; init; } = [];

    /// <summary>The command-line options as configuration keys.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Overrides()
    {
        var inv = CultureInfo.InvariantCulture;
        if (Output is not null) yield return new($"{ServiceOptions.Section}:{ServiceOptions.OutputKey}", Output);
        if (State is not null) yield return new($"{ServiceOptions.Section}:{ServiceOptions.StateKey}", State);
        if (Model is not null) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Model)}", Model);
        if (Engine is not null) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Engine)}", Engine);
        if (Threads is { } threads) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Threads)}", threads.ToString(inv));
        if (Chunk is { } chunk) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Chunk)}", chunk.ToString(inv));
        if (Overlap is { } overlap) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Overlap)}", overlap.ToString(inv));
        if (Greedy) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Beam)}", "1");
        else if (Beam is { } beam) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.Beam)}", beam.ToString(inv));
        if (IgnoreChemistry) yield return new($"{ServiceOptions.Section}:{nameof(ServiceOptions.IgnoreChemistry)}", "true");
        if (MinQScore is { } minQ) yield return new($"{OutputOptions.Section}:{nameof(OutputOptions.MinQScore)}", minQ.ToString(inv));
        if (StatusPort is { } port) yield return new($"{Status.StatusOptions.Section}:{nameof(Status.StatusOptions.Port)}", port.ToString(inv));
    }
}
