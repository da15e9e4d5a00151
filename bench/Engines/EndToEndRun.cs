using System.Diagnostics;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Output;
using Dipper.Basecaller.Pipeline;

namespace Dipper.Bench.Engines;

/// <summary>One base-calling run through the product's pipeline, as <c>dipperd basecall</c> makes it: the clock
/// runs from the first read opened to the FASTQ committed, engine loading excluded.</summary>
internal static class EndToEndRun
{
    public static async Task<(long Reads, long Samples, double Seconds, long Problems)> RunAsync(Func<IInferenceEngine> create,
        int workers, ModelManifest manifest, int beam, IReadOnlyList<string> files, string fastq)
    {
        var engines = Enumerable.Range(0, workers).Select(_ => create()).ToList();
        try
        {
            var pipeline = new BasecallPipeline(manifest, engines, new BasecallPipelineOptions { BeamWidth = beam });
            long problems = 0;
            var clock = Stopwatch.StartNew();
            using (var writer = new FastqWriter(fastq))
            {
                await pipeline.RunAsync(files, writer, problem =>
                {
                    Interlocked.Increment(ref problems);
                    Console.Error.WriteLine(problem.Message);
                });
                writer.Commit();
            }
            return (pipeline.Counters.ReadsCalled, pipeline.Counters.SamplesCalled, clock.Elapsed.TotalSeconds, problems);
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }
}
