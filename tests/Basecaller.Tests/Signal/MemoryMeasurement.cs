namespace Dipper.Basecaller.Tests.Signal;

/// <summary>
/// Memory-bound tests measure the process-wide managed heap, so they run alone, after the parallel
/// tests, where no other test's allocations are counted against the reader under test.
/// </summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;
