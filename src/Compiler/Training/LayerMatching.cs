using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Distillation of what the layers compute, not only what the model outputs: the teacher's activations at every
/// layer the student shares with it are targets too. A compressed student keeps its teacher's architecture and
/// value names (the activations after each block), so each block gets its own signal instead of waiting for one
/// that has passed through the whole network; this is the normalised per-layer squared error that Kurtic et al.
/// ("Sparse fine-tuning for inference acceleration of large language models", 2023, "SquareHead") found to recover
/// pruned models better than distilling the output alone.
/// </summary>
public static class LayerMatching
{
    /// <summary>
    /// The values both graphs compute under the same name and of the same shape after an activation or a residual
    /// sum (Swish, ReLU, ReLU6, Mul, Add), in the student's order: the block outputs a compression keeps, whatever it
    /// did to the convolutions before them. The graphs' inputs and outputs are not among them, nor the activations of
    /// a wider student (<c>dipper widen</c>): its channel i is not the teacher's channel i once trained, so they are
    /// not compared (<see cref="ActivationsOfOtherShape"/> names them).
    /// </summary>
    /// <param name="student">The graph being trained.</param>
    /// <param name="teacher">The graph whose activations are the targets.</param>
    public static IReadOnlyList<string> SharedActivations(ModelGraph student, ModelGraph teacher) =>
        NamedAlike(student, teacher).Where(name => SameShape(student, teacher, name)).ToList();

    /// <summary>
    /// The activations both graphs name alike but compute in different shapes (a widened student's), which
    /// <see cref="SharedActivations"/> leaves out, in the student's order.
    /// </summary>
    /// <param name="student">The graph being trained.</param>
    /// <param name="teacher">The graph whose activations are the targets.</param>
    public static IReadOnlyList<string> ActivationsOfOtherShape(ModelGraph student, ModelGraph teacher) =>
        NamedAlike(student, teacher).Where(name => !SameShape(student, teacher, name)).ToList();

    private static IEnumerable<string> NamedAlike(ModelGraph student, ModelGraph teacher)
    {
        static bool IsActivation(Operation o) => o is Swish or Relu or Relu6 or Mul or Add;
        var inTeacher = teacher.Nodes.Where(n => IsActivation(n.Operation)).Select(n => n.Output).ToHashSet();
        var outputs = student.Outputs.Select(o => o.Name).Concat(teacher.Outputs.Select(o => o.Name)).ToHashSet();
        return student.Nodes.Where(n => IsActivation(n.Operation) && inTeacher.Contains(n.Output) && !outputs.Contains(n.Output))
            .Select(n => n.Output).Distinct();
    }

    // Only sizes both graphs fix are compared: batch and time may be symbols named differently by each import.
    private static bool SameShape(ModelGraph student, ModelGraph teacher, string name)
    {
        var (s, t) = (student.Shapes[name], teacher.Shapes[name]);
        return s.Rank == t.Rank && s.Dims.Zip(t.Dims).All(d => !d.First.IsFixed || !d.Second.IsFixed || d.First.Size == d.Second.Size);
    }

    /// <summary>
    /// Mean over <paramref name="names"/> of ‖s − t‖² / ‖t‖² over the batch: each layer's squared error relative
    /// to its teacher activation's energy, so that layers of large and small activations weigh alike, and a value
    /// of 1 means the student's layer is as far from the teacher's as zero is.
    /// </summary>
    /// <param name="student">The student's values (with gradient).</param>
    /// <param name="teacher">The teacher's values (no gradient needed).</param>
    /// <param name="names">The layers to compare (<see cref="SharedActivations"/>).</param>
    /// <exception cref="GraphException">A layer's shapes differ between the two models.</exception>
    public static Tensor Compute(IReadOnlyDictionary<string, Tensor> student, IReadOnlyDictionary<string, Tensor> teacher, IReadOnlyList<string> names)
    {
        ArgumentOutOfRangeException.ThrowIfZero(names.Count);
        Tensor? sum = null;
        foreach (var name in names)
        {
            var (s, t) = (student[name], teacher[name]);
            if (!s.shape.SequenceEqual(t.shape))
                throw new GraphException($"value '{name}' is [{string.Join(", ", s.shape)}] in the student and [{string.Join(", ", t.shape)}] in the teacher; layers that differ in shape cannot be matched");
            var term = (s - t).square().sum() / t.square().sum().clamp_min(1e-12);
            sum = sum is null ? term : sum + term;
        }
        return sum! / names.Count;
    }
}
