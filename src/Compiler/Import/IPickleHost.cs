namespace Dipper.Compiler.Import;

/// <summary>
/// Gives meaning to the parts of a pickle that name Python code (globals, calls, object state and
/// persistent ids). The pickle machine only shuffles values; a host such as the PyTorch checkpoint
/// reader accepts the handful of names it understands and refuses everything else.
/// </summary>
public interface IPickleHost
{
    /// <summary>Resolves a GLOBAL / STACK_GLOBAL; throws <see cref="NotSupportedException"/> for a name the host does not know.</summary>
    object ResolveGlobal(PickleGlobal global);

    /// <summary>Applies a callable to its argument tuple (REDUCE, NEWOBJ).</summary>
    object? Call(object callable, IReadOnlyList<object?> arguments);

    /// <summary>Applies pickled state to an object built earlier (BUILD).</summary>
    void SetState(object target, object? state);

    /// <summary>Turns a persistent id (BINPERSID) into the object it stands for, e.g. a tensor storage.</summary>
    object PersistentLoad(object? persistentId);
}
