using Dipper.Compiler.Graph;

namespace Dipper.Compiler.Passes.Widening;

/// <summary>What a widening made: the wider graph and, for every widened channel set, where its channels came from.</summary>
/// <param name="Graph">The wider network, BatchNorm folded, computing the original's function.</param>
/// <param name="Sets">The widened channel sets, in graph order.</param>
/// <param name="Seed">Seed of the draws.</param>
public sealed record WidenedModel(ModelGraph Graph, IReadOnlyList<WidenedChannelSet> Sets, int Seed);

/// <summary>One widened channel set.</summary>
/// <param name="Value">The set's first value, naming it.</param>
/// <param name="From">Channels before.</param>
/// <param name="Sources">For every channel after, the original channel it carries: channel j &lt; From is itself, the
/// channels after are copies. Recorded so that whoever trains the wide model can tell which channels began as twins.</param>
public sealed record WidenedChannelSet(string Value, int From, IReadOnlyList<int> Sources)
{
    /// <summary>Channels after.</summary>
    public int To => Sources.Count;
}
