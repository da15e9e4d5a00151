using System.Collections.Concurrent;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Basecaller.Tests.Models;
using Dipper.Basecaller.Tests.Signal;

namespace Dipper.Basecaller.Tests.Pipeline;

/// <summary>
/// The pooled package (tests/data/models/sbonito-pooled, <c>dipper pool</c> of the default model) on the 10 real E. coli
/// reads of tests/data through both parts on ONNX Runtime, with <see cref="BasecallPipelineOptions.PoolingBudget"/>: the
/// reads between the first part and the pooling never hold more samples than the budget, a read longer than the budget runs
/// alone instead of waiting forever, and the calls are the same with any budget or none.
/// </summary>
public sealed class PoolingBudgetTests
{
    private static readonly TimeSpan NoDeadlock = TimeSpan.FromMinutes(3);

    private static IReadOnlyList<string> Files => SignalFile.Find([Fast5ReaderTests.R94Dir]).ToList();

    private static async Task<List<int>> ReadLengthsAsync()
    {
        var lengths = new List<int>();
        foreach (var file in Files)
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) lengths.Add(read.SampleCount);
        }
        return lengths;
    }

    private static async Task<(CapturingWriter Calls, PipelineCounters Counters)> CallAsync(long? budget, int? batch = null, IBatchGate? gate = null,
        Func<PipelineCounters, Task>? whileRunning = null)
    {
        var package = ModelPackage.Load(PackageFixture.CommittedPooled);
        using var engines = PooledModelEngines.Create(package, workers: 2, batch);
        var pipeline = new BasecallPipeline(package.Manifest, engines.BeforePooling, engines.AfterPooling,
            new BasecallPipelineOptions { BeamWidth = 1, PoolingBudget = budget, BatchGate = gate, BatchFlushAfter = TimeSpan.FromMilliseconds(20) });
        var writer = new CapturingWriter();
        var problems = new ConcurrentQueue<ReadProblem>();
        var run = pipeline.RunAsync(Files, writer, problems.Enqueue);
        if (whileRunning is not null) await whileRunning(pipeline.Counters);
        await run.WaitAsync(NoDeadlock);
        Assert.Empty(problems);
        Assert.Equal(0, pipeline.Counters.SamplesBeforePooling);
        return (writer, pipeline.Counters);
    }

    private static void AssertSameCalls(CapturingWriter expected, CapturingWriter actual)
    {
        Assert.Equal(expected.Reads.Keys.Order(), actual.Reads.Keys.Order());
        foreach (var (id, read) in expected.Reads)
        {
            Assert.Equal(read.Sequence.Bases, actual.Reads[id].Sequence.Bases);
            Assert.Equal(read.Sequence.Qualities, actual.Reads[id].Sequence.Qualities);
        }
    }

    [Fact]
    public async Task A_budget_smaller_than_any_read_calls_each_read_alone_and_as_without_a_budget()
    {
        var lengths = await ReadLengthsAsync();
        var unbounded = await CallAsync(budget: null);
        var tiny = await CallAsync(budget: 1);

        Assert.Equal(lengths.Count, tiny.Calls.Reads.Count);
        AssertSameCalls(unbounded.Calls, tiny.Calls);
        // One read at a time: the most ever held is the longest read itself, never two reads together.
        Assert.Equal(lengths.Max(), tiny.Counters.PeakSamplesBeforePooling);
        Assert.True(unbounded.Counters.PeakSamplesBeforePooling >= lengths.Max());
    }

    [Fact]
    public async Task Reads_before_the_pooling_never_hold_more_samples_than_the_budget_while_the_engines_wait()
    {
        const long budget = 120_000;
        var lengths = await ReadLengthsAsync();
        Assert.All(lengths, n => Assert.True(n <= budget, $"a read of {n} samples is longer than the test's budget"));
        Assert.True(lengths.Sum() > 3 * budget, "too few samples to fill the budget");

        // With the engines held back, the chunker admits reads until something stops it: without a budget only the queues
        // and the batches (32 chunks each here) do, which take more than the budget's samples; with the budget, it does.
        var held = new HeldGate();
        var unbounded = await CallAsync(budget: null, batch: 32, held, whileRunning: async counters =>
        {
            await WaitUntil(() => counters.SamplesBeforePooling > budget);
            held.Open();
        });
        var gate = new HeldGate();
        var bounded = await CallAsync(budget, batch: 32, gate, whileRunning: async counters =>
        {
            await WaitUntil(() => counters.SamplesBeforePooling > 0);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.InRange(counters.SamplesBeforePooling, 1, budget);
            gate.Open();
        });

        Assert.True(unbounded.Counters.PeakSamplesBeforePooling > budget);
        Assert.InRange(bounded.Counters.PeakSamplesBeforePooling, lengths.Max(), budget);
        AssertSameCalls(unbounded.Calls, bounded.Calls);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + NoDeadlock;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the pipeline did not get there in time");
            await Task.Delay(10);
        }
    }

    /// <summary>A gate closed until <see cref="Open"/>, as the appliance's thermal pause holds batches back from the engines.</summary>
    private sealed class HeldGate : IBatchGate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public ValueTask WaitUntilOpenAsync(CancellationToken cancellationToken) => new(_open.Task.WaitAsync(cancellationToken));
    }
}
