namespace Dipper.Basecaller.Decoding;

/// <summary>
/// The label prefixes a beam search has kept, as a tree: node 0 is the empty prefix and each node is
/// its parent's prefix plus one label. One node per distinct prefix, so two beams that reach the same
/// sequence by different paths are recognised as the same hypothesis and their probabilities merged.
/// Storage is reused from read to read.
/// </summary>
internal sealed class PrefixTree
{
    /// <summary>Index of the empty prefix.</summary>
    public const int Root = 0;

    private readonly int _classes;
    private int[] _parent = new int[1024];
    private int[] _label = new int[1024];
    private int[] _entryFrame = new int[1024];
    private int[] _beam = new int[1024];
    private int[] _child = [];

    public PrefixTree(int classes)
    {
        _classes = classes;
        _child = new int[_parent.Length * classes];
        Clear();
    }

    /// <summary>Nodes in use.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets every prefix but the empty one.</summary>
    public void Clear()
    {
        Count = 1;
        _parent[Root] = -1;
        _label[Root] = -1;
        _entryFrame[Root] = 0;
        _beam[Root] = -1;
        _child.AsSpan(0, _classes).Fill(-1);
    }

    /// <summary>The prefix's last label, −1 for the empty prefix.</summary>
    public int Label(int node) => _label[node];

    /// <summary>The prefix without its last label.</summary>
    public int Parent(int node) => _parent[node];

    /// <summary>The frame at which the prefix's last label was emitted, as last recorded by <see cref="SetEntryFrame"/>.</summary>
    public int EntryFrame(int node) => _entryFrame[node];

    /// <summary>Records the frame at which the prefix (re-)entered the beam by emitting its last label.</summary>
    public void SetEntryFrame(int node, int frame) => _entryFrame[node] = frame;

    /// <summary>The index of the kept beam whose prefix this is, −1 when it is not kept (as last recorded by <see cref="SetBeam"/>).</summary>
    public int Beam(int node) => _beam[node];

    /// <summary>Records that the prefix is kept as beam <paramref name="beam"/> (−1: no longer kept).</summary>
    public void SetBeam(int node, int beam) => _beam[node] = beam;

    /// <summary>The prefix extended by <paramref name="label"/> if it exists, otherwise −1.</summary>
    public int Find(int node, int label) => _child[node * _classes + label];

    /// <summary>The prefix extended by <paramref name="label"/>, created if new.</summary>
    public int GetOrAdd(int node, int label)
    {
        var existing = _child[node * _classes + label];
        if (existing >= 0) return existing;
        if (Count == _parent.Length) Grow();
        var added = Count++;
        _parent[added] = node;
        _label[added] = label;
        _entryFrame[added] = 0;
        _beam[added] = -1;
        _child.AsSpan(added * _classes, _classes).Fill(-1);
        _child[node * _classes + label] = added;
        return added;
    }

    private void Grow()
    {
        var size = _parent.Length * 2;
        Array.Resize(ref _parent, size);
        Array.Resize(ref _label, size);
        Array.Resize(ref _entryFrame, size);
        Array.Resize(ref _beam, size);
        Array.Resize(ref _child, size * _classes);
    }
}
