namespace Dipper.Device.Yield;

/// <summary>
/// The yield of every run folder and in total, fed by the committer with each file's reads once its calls are on
/// disk, so the figures count each read exactly once (a file abandoned and called again counts when committed)
/// and agree with the FASTQ written. Since the service started: the journal keeps read counts and bases, not
/// lengths or qualities. Thread-safe: the committer adds, the status page reads.
/// </summary>
public sealed class RunYields
{
    /// <summary>
    /// Run folders kept apart; beyond that, the one that got reads least recently is dropped from the list (its
    /// reads stay in the total), which bounds memory on an appliance left running for months.
    /// </summary>
    public const int MaxRunFolders = 64;

    /// <summary>The name of the total in reports.</summary>
    public const string AllRuns = "all";

    private readonly Lock _gate = new();
    private readonly RunYield _total = new();
    private readonly Dictionary<string, (RunYield Yield, long LastAdded)> _runs = new(StringComparer.Ordinal);
    private long _additions;

    /// <summary>Adds the reads of one committed file of <paramref name="runFolder"/>, with the run metadata they named.</summary>
    public void Add(string runFolder, IEnumerable<ReadFigures> reads, IEnumerable<RunMetadata> metadata)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runFolder, out var run))
            {
                if (_runs.Count >= MaxRunFolders) _runs.Remove(_runs.MinBy(r => r.Value.LastAdded).Key);
                run = (new RunYield(), 0);
            }
            _runs[runFolder] = (run.Yield, ++_additions);
            foreach (var read in reads)
            {
                run.Yield.Add(read);
                _total.Add(read);
            }
            foreach (var m in metadata)
            {
                run.Yield.Note(m);
                _total.Note(m);
            }
        }
    }

    /// <summary>The figures now: the total, then the run folders, most bases first.</summary>
    public YieldReport Report()
    {
        lock (_gate)
        {
            var runs = _runs.Select(r => r.Value.Yield.Report(r.Key)).OrderByDescending(r => r.Bases).ThenBy(r => r.Folder, StringComparer.Ordinal).ToList();
            return new YieldReport(_total.Report(AllRuns), runs);
        }
    }
}
