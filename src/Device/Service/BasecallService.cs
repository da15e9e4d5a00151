using System.Threading.Channels;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Device.Journal;
using Dipper.Device.Watching;
using Dipper.Tpu.Engines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dipper.Device.Service;

/// <summary>
/// The appliance's work: watch the input folders, call every complete signal file through one long-running
/// bounded pipeline, and commit each file's FASTQ.gz. An engine failure stops the pipeline: the files in
/// flight are abandoned (their partial outputs deleted), the engines are built again after a pause, and the
/// same files are called again. A stop (SIGTERM) takes no new file and lets the pipeline drain, committing
/// the files in flight; if that outlasts <see cref="ServiceOptions.StopTimeout"/> they are abandoned and
/// called again at the next start. A full, read-only or vanished output (or state) folder pauses the calling
/// (<see cref="StorageGuard"/>) until it takes writes again. A model with dynamic pooling runs as
/// <c>dipperd basecall</c> runs it: its two parts on ONNX Runtime (<see cref="EngineSet"/>), the pooling over each whole
/// read on the host between them (<see cref="BasecallPipeline"/>).
/// </summary>
/// <remarks>
/// The stages after the pipeline: the <see cref="CallRouter"/> (the pipeline's writer) writes each read into its
/// file's output and hands finished files through a bounded channel to the <see cref="FileCommitter"/>, which
/// flushes, renames and journals them. The committer outlives pipeline restarts and stops last.
/// </remarks>
/// <remarks>
/// Memory bound: the pipeline's (see <see cref="BasecallPipeline"/>: about 200 reads' buffers at most, in
/// practice far fewer, since at most <see cref="ServiceOptions.FilesInFlight"/> files feed it); plus one open
/// FASTQ.gz per file in flight (about 0.4 MB of gzip and stream buffers each) and its read ids, lengths and mean qualities;
/// plus the yield's fixed bins (<see cref="Yield.RunYields"/>: under 100 kB per run folder, at most 64 listed); plus the
/// watcher's record per file. A slow engine holds the source back through the bounded queues, the source
/// waits for room before it takes a file, and finished files wait on disk, not in memory.
/// </remarks>
public sealed class BasecallService : IHostedService, IDisposable
{
    private const string WatchedInput = "the watched input folders";
    private readonly ServiceOptions _options;
    private readonly CallJournal _journal;
    private readonly SignalFolderWatcher _watcher;
    private readonly OutputLayout _layout;
    private readonly ServiceActivity _state;
    private readonly ILogger<BasecallService> _log;
    private readonly EdgeTpuPerformanceSetting? _performance;
    private readonly IBatchGate? _batchGate;
    private readonly StorageGuard _storage;
    private readonly CancellationTokenSource _drain = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private ModelPackage? _package;
    private CallRouter? _router;
    private FilesBeingCalled? _files;
    private FileCommitter? _committer;
    private Channel<InFlightFile>? _finished;
    private Task? _watching;
    private Task? _calling;
    private Task? _committing;

    /// <summary>
    /// Created by the host. <paramref name="performance"/> is the Edge TPU clock the thermal governor sets (the
    /// engines recreate their delegates when it changes); <paramref name="batchGate"/> holds batches back while
    /// the governor pauses base calling. Both are optional so the service runs without thermal control.
    /// </summary>
    public BasecallService(IOptions<ServiceOptions> options, CallJournal journal, SignalFolderWatcher watcher, OutputLayout layout,
        ServiceActivity state, StorageGuard storage, ILogger<BasecallService> log, EdgeTpuPerformanceSetting? performance = null,
        IBatchGate? batchGate = null)
    {
        _storage = storage;
        _performance = performance;
        _batchGate = batchGate;
        _options = options.Value;
        _journal = journal;
        _watcher = watcher;
        _layout = layout;
        _state = state;
        _log = log;
    }

    /// <summary>Deletes unfinished outputs of an earlier run, loads the model and engines, and starts watching and calling.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var leftovers = 0;
        foreach (var temporary in _layout.LeftoverTemporaries())
        {
            File.Delete(temporary);
            leftovers++;
        }
        if (leftovers > 0) _log.LogInformation("deleted {Count} unfinished output(s) left by the last run; their files will be called again", leftovers);

        var modelFolder = ServiceOptionsValidator.ModelFolder(_options)!;
        _package = ModelPackage.Load(modelFolder).WithChunk(_options.Chunk, _options.Overlap);
        _state.ModelName = _package.Manifest.Name;
        _state.Engines = EngineSet.Create(_options, _package, _log, _performance);
        // Said once the status page can show it too, so what the log says and what /status says agree.
        if (_state.Engines.Notice is { } notice) _log.LogWarning("{Notice}", notice);
        _log.LogInformation("engine {Engine} × {Threads}, model {Model}, {Decoding}; watching {Inputs} → {Output}",
            _state.EngineName, _options.Threads, _package.Manifest.Name, _options.BeamWidth > 1 ? $"beam {_options.BeamWidth}" : "greedy",
            string.Join(", ", _layout.InputFolders), _layout.OutputFolder);

        _files = new FilesBeingCalled(_options.FilesInFlight, _watcher.Settle, _state);
        // As many as there are places: a finished file keeps its place until committed, so the router never waits on it.
        _finished = Channel.CreateBounded<InFlightFile>(new BoundedChannelOptions(_options.FilesInFlight) { SingleReader = true });
        _committer = new FileCommitter(_journal, _layout, new RunSummaries(_journal), _files, _storage, _state, _log);
        // Lines of files committed just before a crash that did not reach their summary yet.
        _committer.AppendSummaries();
        _router = new CallRouter(_layout, _files, _finished.Writer, _storage, _state, _log);
        _committing = Task.Run(() => _committer.RunAsync(_finished.Reader), CancellationToken.None);
        _watching = Task.Run(() => _watcher.RunAsync(_stopWatching.Token), CancellationToken.None);
        _calling = Task.Run(CallAsync, CancellationToken.None);
        _state.Phase = ServicePhase.Running;
        return Task.CompletedTask;
    }

    /// <summary>Takes no new file, lets the pipeline finish the files in flight, and stops watching.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _state.Phase = ServicePhase.Stopping;
        await _drain.CancelAsync();
        if (_calling is not null)
        {
            var deadline = Task.Delay(_options.StopTimeout, CancellationToken.None);
            var hostGivesUp = Task.Delay(Timeout.Infinite, cancellationToken);
            if (await Task.WhenAny(_calling, deadline, hostGivesUp) != _calling)
            {
                _log.LogWarning("stop: the files in flight did not finish in time; abandoning them (they are called again at the next start)");
                await _abort.CancelAsync();
                await _calling;
            }
        }
        // Every file is finished or abandoned by now: let the committer commit the last ones, then stop it.
        _finished?.Writer.TryComplete();
        if (_committing is not null) await _committing;
        await _stopWatching.CancelAsync();
        if (_watching is not null) await _watching;
        _state.Engines?.Dispose();
        _state.Engines = null;
        _state.Phase = ServicePhase.Stopped;
        _log.LogInformation("stopped: {Files} file(s), {Reads} read(s) committed since start", _state.CommittedFiles, _state.CommittedReads);
    }

    /// <summary>Releases the cancellation sources.</summary>
    public void Dispose()
    {
        _drain.Dispose();
        _abort.Dispose();
        _stopWatching.Dispose();
    }

    private async Task CallAsync()
    {
        while (!_drain.IsCancellationRequested)
        {
            var engines = _state.Engines;
            try
            {
                if (engines is null)
                {
                    engines = EngineSet.Create(_options, _package!, _log, _performance);
                    _state.Engines = engines;
                }
                var pipeline = new BasecallPipeline(_package!.Manifest, engines.Engines, engines.AfterPooling, new BasecallPipelineOptions
                {
                    BeamWidth = _options.BeamWidth,
                    BatchGate = _batchGate,
                    IgnoreChemistry = _options.IgnoreChemistry,
                    PoolingBudget = _options.PoolingBudgetSamples,
                })
                {
                    OpenSignalFile = _ => new WatchedReadSource(_watcher.Ready, _router!, _files!, _committer!, _storage, _layout, _drain.Token),
                    Warn = _router!.Warned,
                };
                _state.Counters = pipeline.Counters;
                _state.Phase = _drain.IsCancellationRequested ? ServicePhase.Stopping : ServicePhase.Running;
                await pipeline.RunAsync([WatchedInput], _router!, _router!.Refused, _abort.Token);
                if (_drain.IsCancellationRequested) return;
                throw new InvalidOperationException("the pipeline ended although the service is not stopping");
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                _router!.AbandonAll();
                return;
            }
            catch (Exception e)
            {
                _router!.AbandonAll();
                var message = $"the pipeline stopped: {e.Message}; building the engines again in {_options.EngineRetryDelay.TotalSeconds:F0} s";
                _log.LogError(e, "{Message}", message);
                _state.Problems.Add(message);
                _state.Phase = ServicePhase.EngineFailed;
                _state.Engines = null;
                engines?.Dispose();
                try
                {
                    await Task.Delay(_options.EngineRetryDelay, _drain.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
