using System.Globalization;
using System.Threading.Channels;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// Second stage: checks that the model can call a read, normalises its whole signal and cuts it into
/// chunks (<see cref="ChunkLayout"/>). Reads at a sample rate the model was not trained for, of
/// another chemistry than the model's (an R10.4.1 read for an R9.4.1 model, RNA for DNA), or with
/// no signal, are reported by id and dropped, because calling them would give confident nonsense.
/// A read whose run metadata does not tell its chemistry is called, with one warning for its file.
/// </summary>
public sealed class ChunkerNode
{
    // Sample rates are stored as floats in some files (4000.0, 3999.99…); a model trained at 4 kHz fits both.
    private const double SampleRateTolerance = 0.005;

    private readonly ModelManifest _manifest;
    private readonly ChunkLayout _layout;
    private readonly int _valuesPerFrame;
    private readonly Normaliser _normaliser;
    private readonly PipelineCounters _counters;
    private readonly Action<ReadProblem> _report;
    private readonly SequencingChemistry _modelChemistry;
    private string? _file;
    private bool _warnedForFile;

    /// <summary>Creates the stage for a model.</summary>
    public ChunkerNode(ModelManifest manifest, PipelineCounters counters, Action<ReadProblem> report)
        : this(manifest, ChunkLayout.From(manifest), manifest.Alphabet.Length, counters, report)
    {
    }

    /// <summary>
    /// Creates the stage for a network that cuts reads by <paramref name="layout"/> and gives <paramref name="valuesPerFrame"/>
    /// values per output frame (the part of a pooled model before the pooling: one frame per sample, features and logits).
    /// </summary>
    public ChunkerNode(ModelManifest manifest, ChunkLayout layout, int valuesPerFrame, PipelineCounters counters, Action<ReadProblem> report)
    {
        _manifest = manifest;
        _layout = layout;
        _valuesPerFrame = valuesPerFrame;
        _normaliser = new Normaliser(manifest.Normalisation);
        _counters = counters;
        _report = report;
        _modelChemistry = SequencingChemistry.Parse(manifest.Chemistry);
    }

    /// <summary>Call reads whatever chemistry their metadata names (<c>--ignore-chemistry</c>); no check, no warning.</summary>
    public bool IgnoreChemistry { get; init; }

    /// <summary>Told once per file whose reads are called although their chemistry is unknown; null to say nothing.</summary>
    public Action<ReadProblem>? Warn { get; init; }

    /// <summary>Why the model cannot call <paramref name="read"/>, or null when it can.</summary>
    public string? Refusal(Read read)
    {
        if (read.SampleCount == 0) return "the read has no signal samples";
        foreach (var rate in _manifest.SampleRates)
        {
            if (Math.Abs(read.SampleRate - rate) <= rate * SampleRateTolerance) return null;
        }
        var inv = CultureInfo.InvariantCulture;
        var supported = string.Join(", ", _manifest.SampleRates.Select(r => r.ToString("0.###", inv) + " Hz"));
        return $"sample rate {read.SampleRate.ToString("0.###", inv)} Hz is not supported by model '{_manifest.Name}' (trained for {supported})";
    }

    /// <summary>
    /// A refusal when the read's chemistry contradicts the model's; null when it matches, or when it is unknown,
    /// which is warned about on the first such read of each file (reads arrive file by file).
    /// </summary>
    private ReadProblem? CheckChemistry(Read read)
    {
        var path = read.SourcePath ?? "";
        if (path != _file)
        {
            _file = path;
            _warnedForFile = false;
        }
        var chemistry = read.Chemistry;
        var where = path.Length > 0 ? path + ": " : "";
        if (chemistry.Contradicts(_modelChemistry))
        {
            var evidence = chemistry.Evidence is { } e ? $" ({e})" : "";
            return new ReadProblem(path, read.ReadId,
                $"{where}read {read.ReadId}: chemistry {chemistry}{evidence} does not match model '{_manifest.Name}' ({_modelChemistry}); " +
                "skipped (--ignore-chemistry calls it anyway)")
            {
                WrongChemistry = chemistry,
            };
        }
        if (!chemistry.Confirms(_modelChemistry) && !_warnedForFile)
        {
            _warnedForFile = true;
            var found = chemistry.Evidence is { } evidence ? $"{evidence} → {chemistry}" : "no flow cell product code, kit or experiment type in the file";
            Warn?.Invoke(new ReadProblem(path, null,
                $"{where}warning: chemistry unknown ({found}); its reads are called with model '{_manifest.Name}' ({_modelChemistry}) anyway"));
        }
        return null;
    }

    /// <summary>
    /// For a pooled model: the budget each read's samples must fit into before its first chunk is cut; they are let go
    /// once the read is pooled (<see cref="PoolNode"/>). Null: no bound.
    /// </summary>
    internal SampleBudget? Budget { get; init; }

    /// <summary>Turns reads into chunks until the input completes, then completes the output.</summary>
    public async Task RunAsync(ChannelReader<Read> input, ChannelWriter<Chunk> output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var read in input.ReadAllAsync(cancellationToken))
            {
                if (Refusal(read) is { } problem)
                {
                    _counters.ReadFailed();
                    var path = read.SourcePath ?? "";
                    _report(new ReadProblem(path, read.ReadId, $"{(path.Length > 0 ? path + ": " : "")}read {read.ReadId}: {problem}; skipped"));
                    continue;
                }
                if (!IgnoreChemistry && CheckChemistry(read) is { } wrong)
                {
                    _counters.ReadFailed();
                    _report(wrong);
                    continue;
                }
                ReadInProgress inProgress;
                if (_manifest.Pooling is { } pooling)
                {
                    if (Budget is { } budget) await budget.AcquireAsync(read.SampleCount, cancellationToken);
                    _counters.ReadBeforePooling(read.SampleCount);
                    inProgress = new ReadInProgress(read, _layout, pooling);
                }
                else
                {
                    inProgress = new ReadInProgress(read, _layout, _valuesPerFrame);
                }
                _normaliser.Normalise(read.Signal, inProgress.Normalised);
                _counters.ChunksCut(inProgress.ChunkCount);
                for (var k = 0; k < inProgress.ChunkCount; k++)
                    await output.WriteAsync(new Chunk(inProgress, k), cancellationToken);
            }
            output.Complete();
        }
        catch (Exception e)
        {
            output.Complete(e);
            throw;
        }
    }
}
