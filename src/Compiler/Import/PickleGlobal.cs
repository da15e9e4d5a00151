namespace Dipper.Compiler.Import;

/// <summary>
/// A Python class or function named by a pickle (GLOBAL / STACK_GLOBAL), e.g.
/// <c>torch._utils._rebuild_tensor_v2</c>. The pickle machine never imports anything: a host
/// decides what each name means, so an unknown name becomes an error instead of code execution.
/// </summary>
/// <param name="Module">Python module, e.g. <c>collections</c>.</param>
/// <param name="Name">Attribute within the module, e.g. <c>OrderedDict</c>.</param>
public sealed record PickleGlobal(string Module, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Module}.{Name}";
}
