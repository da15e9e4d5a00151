using Dipper.Compiler.Commands;

namespace Dipper.Compiler.Compilation;

/// <summary>
/// import, the first stage of <c>dipper compile</c> and <c>dipper compress</c>: the trained model as
/// Dipper's graph with its manifest and provenance, from a PyTorch checkpoint, an ONNX file Dipper
/// exported, or a package folder (see <see cref="ModelSource"/>).
/// </summary>
public static class ImportStage
{
    /// <summary>Loads the model at <paramref name="model"/>.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="model"/>.</exception>
    public static Task<ModelSource> RunAsync(string model, CancellationToken cancellationToken) =>
        ModelSource.LoadAsync(model, cancellationToken);
}
