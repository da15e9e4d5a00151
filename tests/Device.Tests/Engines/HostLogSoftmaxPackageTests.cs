using System.Runtime.InteropServices;
using Dipper.Basecaller.Decoding;
using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Device.Commands;
using Dipper.Device.Engines;
using Dipper.Device.Tests.Commands;
using Xunit.Abstractions;

namespace Dipper.Device.Tests.Engines;

/// <summary>
/// A package compiled with <c>dipper compile --host-log-softmax</c> (tests/data/models/sbonito-int8-logits) ends its
/// TFLite graph at the class scores; dipperd's TFLite engine must apply the log-softmax itself. Compared with the
/// package from the same compile settings with the LOG_SOFTMAX in the graph (tests/data/models/sbonito-int8).
/// </summary>
public sealed class HostLogSoftmaxPackageTests(ITestOutputHelper log) : IDisposable
{
    private static readonly string Models = Path.Combine(AppContext.BaseDirectory, "data", "models");
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples", "r94-ecoli", "fast5");
    private static readonly string Window = Path.Combine(AppContext.BaseDirectory, "data", "reference", "sbonito", "read0.window0.f32");
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-logits-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static float[] Infer(string package, int frames, int classes)
    {
        var loaded = ModelPackage.Load(Path.Combine(Models, package));
        using var engine = ApplianceEngines.CreateFactory().Create("tflite", loaded, new InferenceEngineOptions { Threads = 1, Batch = 1 });
        var signal = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Window)).ToArray();
        var output = new float[frames * classes];
        engine.Infer(signal, 1, output);
        return output;
    }

    [Fact]
    public void Tflite_engine_output_rows_of_a_host_log_softmax_package_are_log_probabilities()
    {
        Assert.True(ModelPackage.Load(Path.Combine(Models, "sbonito-int8-logits")).Manifest.Files.TfliteOutputIsLogits);
        const int frames = 600, classes = 5;
        var fromScores = Infer("sbonito-int8-logits", frames, classes);
        var inGraph = Infer("sbonito-int8", frames, classes);

        var agree = 0;
        for (var f = 0; f < frames; f++)
        {
            var row = fromScores.AsSpan(f * classes, classes).ToArray();
            var logSumExp = Math.Log(row.Sum(v => Math.Exp(v)));
            Assert.True(Math.Abs(logSumExp) < 1e-4, $"frame {f}: logsumexp {logSumExp}");
            var other = inGraph.AsSpan(f * classes, classes).ToArray();
            if (Array.IndexOf(row, row.Max()) == Array.IndexOf(other, other.Max())) agree++;
        }
        log.WriteLine($"{agree} of {frames} frames give the same class as the package with LOG_SOFTMAX in its graph");
        Assert.InRange(agree, frames * 9 / 10, frames);
    }

    [Fact]
    public async Task Host_log_softmax_package_calls_reads_as_the_package_with_the_softmax_in_its_graph()
    {
        // Beam search and qualities read the log-probabilities themselves, not only their argmax: raw scores would
        // give other qualities and other beams.
        var files = Directory.GetFiles(Samples, "*.fast5").OrderBy(f => new FileInfo(f).Length).Take(2).ToArray(); // the shortest: int8 TFLite on the CPU is slow
        async Task<List<FastqRecord>> Call(string package)
        {
            var output = Path.Combine(_folder, $"{package}.fastq");
            var errors = new StringWriter();
            var exit = await BasecallCommand.RunAsync(new BasecallSettings
            {
                Inputs = files, Output = output, Model = Path.Combine(Models, package), Engine = "tflite", Beam = 5,
            }, errors, CancellationToken.None);
            Assert.True(exit == 0, errors.ToString());
            return FastqRecord.ReadAll(output);
        }
        var inGraph = (await Call("sbonito-int8")).ToDictionary(r => r.ReadId);
        var fromScores = await Call("sbonito-int8-logits");

        Assert.Equal(inGraph.Keys.Order(), fromScores.Select(r => r.ReadId).Order());
        foreach (var read in fromScores)
        {
            var reference = inGraph[read.ReadId];
            var identity = EditDistance.Identity(reference.Bases, read.Bases);
            var quality = MeanQuality(read.Qualities);
            var referenceQuality = MeanQuality(reference.Qualities);
            log.WriteLine($"{read.ReadId}: identity {identity:P2}, mean quality {quality:F2} against {referenceQuality:F2}");
            Assert.InRange(identity, 0.95, 1.0);
            Assert.InRange(quality, referenceQuality - 1.5, referenceQuality + 1.5);
        }
    }

    private static double MeanQuality(string qualities) => qualities.Average(c => c - 33.0);
}
