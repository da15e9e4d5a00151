namespace Dipper.Tpu.Engines;

/// <summary>How <see cref="FailoverEngine"/> takes failed engines back.</summary>
public sealed record FailoverOptions
{
    /// <summary>How often at most to look for failed engines' hardware again (USB re-enumeration takes a second or two).</summary>
    public TimeSpan RecheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock for the recheck interval.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Receives one line per state change (engine failed, batch moved, engine back); null to stay quiet.</summary>
    public Action<string>? Log { get; init; }
}
