namespace Dipper.Compiler.Graph;

/// <summary>
/// A graph that cannot be what it claims: a value used before it is made, a missing weight, a weight
/// or input of the wrong shape. Raised when a graph is built, so no later stage sees an
/// inconsistent network; the message names the node and the value or weight at fault.
/// </summary>
public sealed class GraphException : Exception
{
    /// <summary>Creates the error with a message that names the node at fault.</summary>
    public GraphException(string message) : base(message)
    {
    }
}
