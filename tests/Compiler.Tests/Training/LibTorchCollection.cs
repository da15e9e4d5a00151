namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// The tests that train with libtorch run one at a time: libtorch's thread count is process-wide (every test sets it
/// through TorchRuntime.Start), and a test's training speed should not depend on another's. (The NaN once blamed on
/// running them together was libtorch's transient multi-threaded convolution fault, which the training loop now
/// handles: see GradientCheck and docs/training.md.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchCollection
{
    /// <summary>The collection's name, for [Collection(LibTorchCollection.Name)].</summary>
    public const string Name = "libtorch";
}
