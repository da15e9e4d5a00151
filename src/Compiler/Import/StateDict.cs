using System.Collections;

namespace Dipper.Compiler.Import;

/// <summary>
/// A PyTorch state_dict: tensor names (module paths such as <c>e.encoder.1.conv.0.depthwise.weight</c>)
/// to tensors, in the order the checkpoint stored them. Order matters because it mirrors the
/// network's module order, which mappers and reports rely on.
/// </summary>
public sealed class StateDict : IReadOnlyList<KeyValuePair<string, CheckpointTensor>>
{
    private readonly OrderedDictionary<string, CheckpointTensor> _tensors;

    /// <summary>Wraps tensors already in checkpoint order.</summary>
    public StateDict(IEnumerable<KeyValuePair<string, CheckpointTensor>> tensors)
    {
        _tensors = new OrderedDictionary<string, CheckpointTensor>(tensors);
    }

    /// <summary>Number of tensors.</summary>
    public int Count => _tensors.Count;

    /// <summary>The tensor names in checkpoint order.</summary>
    public IEnumerable<string> Names => _tensors.Keys;

    /// <summary>The i-th (name, tensor) pair in checkpoint order.</summary>
    public KeyValuePair<string, CheckpointTensor> this[int index] => _tensors.GetAt(index);

    /// <summary>The tensor with the given name.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message names it.</exception>
    public CheckpointTensor this[string name] =>
        _tensors.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"the checkpoint has no tensor '{name}'");

    /// <summary>Looks a tensor up without throwing.</summary>
    public bool TryGet(string name, out CheckpointTensor tensor) => _tensors.TryGetValue(name, out tensor!);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, CheckpointTensor>> GetEnumerator() => _tensors.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
