using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Labelling;

namespace Dipper.Compiler.Training;

/// <summary>
/// What a base caller is for, measured during training: the held-out reads called with the model as it is (the
/// product's pipeline, greedy decoding) and aligned to their reference with minimap2. The identity is the mean over
/// the held-out reads of matches over alignment columns, a read that does not map counting 0, so a model cannot
/// score better by calling fewer reads.
/// </summary>
public sealed class BasecallIdentity
{
    private const string SourceName = "held-out reads";
    private readonly ModelManifest _manifest;
    private readonly IReadOnlyList<Read> _reads;
    private readonly string _reference;
    private readonly Minimap2Aligner _aligner;
    private readonly int _threads;
    private readonly int _batch;
    private readonly SignalFormat _format;

    /// <summary>Measures the identity of <paramref name="reads"/> against <paramref name="reference"/>.</summary>
    /// <param name="manifest">Chunking, normalisation and alphabet of the model being trained.</param>
    /// <param name="reads">The held-out reads (raw signal).</param>
    /// <param name="reference">FASTA the reads come from.</param>
    /// <param name="aligner">minimap2.</param>
    /// <param name="threads">minimap2 threads.</param>
    /// <param name="batch">Chunks per forward pass.</param>
    /// <exception cref="ArgumentException">No reads.</exception>
    public BasecallIdentity(ModelManifest manifest, IReadOnlyList<Read> reads, string reference, Minimap2Aligner aligner, int threads, int batch)
    {
        if (reads.Count == 0) throw new ArgumentException("no held-out reads to measure identity on", nameof(reads));
        (_manifest, _reads, _reference, _aligner, _threads, _batch) = (manifest, reads, reference, aligner, threads, batch);
        _format = reads[0].SourcePath is { } source ? SignalFile.Detect(source) : SignalFormat.Unknown;
    }

    /// <summary>Held-out reads called at each measurement.</summary>
    public int Reads => _reads.Count;

    /// <summary>Calls the held-out reads with <paramref name="model"/> (in evaluation mode) and returns their mean identity.</summary>
    /// <exception cref="InvalidOperationException">minimap2 failed.</exception>
    public double Measure(GraphModule model, CancellationToken cancellationToken = default) =>
        MeasureAsync(model, cancellationToken).GetAwaiter().GetResult();

    private async Task<double> MeasureAsync(GraphModule model, CancellationToken cancellationToken)
    {
        using var engine = new GraphModuleEngine(model, _manifest, _batch);
        var pipeline = new BasecallPipeline(_manifest, [engine], new BasecallPipelineOptions { BeamWidth = 1 })
        {
            OpenSignalFile = _ => new ReadsInMemory(_reads, SourceName, _format),
        };
        var calls = new CalledReadCollection();
        // The reads passed the chunker's checks when they were loaded; a problem now would be ours, and the read counts 0.
        await pipeline.RunAsync([SourceName], calls, _ => { }, cancellationToken);
        var work = Directory.CreateTempSubdirectory("dipper-identity-");
        IReadOnlyDictionary<string, ReadAlignment> alignments;
        try
        {
            alignments = await _aligner.AlignAsync(_reference, calls.Reads.Select(r => KeyValuePair.Create(r.Read.ReadId, r.Sequence.Bases)),
                work.FullName, _threads, cancellationToken);
        }
        finally
        {
            work.Delete(recursive: true);
        }
        return _reads.Sum(r => alignments.TryGetValue(r.ReadId, out var a) ? a.Identity : 0) / _reads.Count;
    }
}
