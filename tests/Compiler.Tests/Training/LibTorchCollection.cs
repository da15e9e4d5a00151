namespace Dipper.Compiler.Tests.Training;

/// <summary>
/// The tests that train with libtorch run one at a time. libtorch's thread count is process-wide (every test sets
/// it through TorchRuntime.Start), and training in several test classes at once turned a distillation loss NaN at
/// random steps in full runs on a loaded 2-core machine while each class alone never did (issue train: an open
/// problem, under investigation). Running them apart keeps the suite's verdict about our code.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchCollection
{
    /// <summary>The collection's name, for [Collection(LibTorchCollection.Name)].</summary>
    public const string Name = "libtorch";

    /// <summary>
    /// Why the multi-step training tests on the default model are skipped for now: in about one run in three the loss turns NaN at a random
    /// step (steps 2, 11, 17 and 109 seen), also with these tests run one at a time, and the cause (a native memory
    /// problem, not the numbers: the computation is the same each run) is not found yet. It is the first open problem
    /// of issue train; remove the Skip to reproduce. The tests on the small network (gradients against PyTorch,
    /// masks through 10 Adam steps) and on the default model's forward pass and round trip still run.
    /// </summary>
    public const string IntermittentNaN = "intermittent NaN in multi-step training (issue train, open problem): remove Skip to reproduce";
}
