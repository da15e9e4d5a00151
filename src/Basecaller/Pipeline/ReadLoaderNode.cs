using System.Threading.Channels;
using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Pipeline;

/// <summary>
/// First stage: opens each signal file in turn and passes its reads on. A damaged or unreadable file
/// is reported and the reads that came out of it whole still go on; the run continues with the next
/// file. Back-pressure from the bounded output keeps at most a few reads in memory ahead of the chunker.
/// </summary>
public sealed class ReadLoaderNode
{
    private readonly IReadOnlyList<string> _files;
    private readonly Func<string, ISignalReader> _open;
    private readonly PipelineCounters _counters;
    private readonly Action<ReadProblem> _report;

    /// <summary>Creates the stage over the files to read, in the order given, opened with <paramref name="open"/>.</summary>
    public ReadLoaderNode(IReadOnlyList<string> files, Func<string, ISignalReader> open, PipelineCounters counters, Action<ReadProblem> report)
    {
        _files = files;
        _open = open;
        _counters = counters;
        _report = report;
    }

    /// <summary>Reads every file into <paramref name="output"/>, then completes it.</summary>
    public async Task RunAsync(ChannelWriter<Read> output, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var file in _files)
            {
                var failed = false;
                try
                {
                    await using var reader = _open(file);
                    await foreach (var read in reader.ReadAllAsync(cancellationToken))
                    {
                        _counters.ReadLoaded(read.SampleCount);
                        await output.WriteAsync(read, cancellationToken);
                    }
                }
                catch (SignalFormatException e)
                {
                    failed = true;
                    _report(new ReadProblem(file, e.ReadId, e.Message));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failed = true;
                    _report(new ReadProblem(file, null, $"{file}: {e.Message}"));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A reader fault on one odd file must not stop an appliance calling all the others.
                    failed = true;
                    _report(new ReadProblem(file, null, $"{file}: the reader failed ({e.GetType().Name}: {e.Message})"));
                }
                _counters.FileDone(failed);
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
