namespace Dipper.Compiler.Passes.Widening;

/// <summary>How <see cref="ModelWidening"/> widens a model: to how many channels, and the seed of its random draws.</summary>
public sealed record WideningOptions
{
    /// <summary>Channels every widened set gets; at least the widest set's (widening only adds channels).</summary>
    public required int Channels { get; init; }

    /// <summary>
    /// Seed of the draws (which channels are copied, and how each copied input is split between its copies), so
    /// that one command line gives one package.
    /// </summary>
    public int Seed { get; init; } = 1;
}
