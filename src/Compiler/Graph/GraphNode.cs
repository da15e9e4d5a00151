using Dipper.Compiler.Graph.Operations;

namespace Dipper.Compiler.Graph;

/// <summary>One step of the network: an operation applied to named values, producing one named value.</summary>
/// <param name="Name">Unique node name; mappers use the source module path (e.g. "e.encoder.1.conv.0.depthwise") so weights stay traceable.</param>
/// <param name="Operation">What the node computes, with its typed attributes and weight names.</param>
/// <param name="Inputs">Names of the values it reads (graph inputs or earlier nodes' outputs).</param>
/// <param name="Output">Name of the value it produces.</param>
public sealed record GraphNode(string Name, Operation Operation, IReadOnlyList<string> Inputs, string Output);
