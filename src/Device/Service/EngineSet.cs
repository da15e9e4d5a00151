using Dipper.Basecaller.Inference;
using Dipper.Basecaller.Models;
using Dipper.Device.Engines;
using Dipper.Tpu.Devices;
using Dipper.Tpu.Engines;
using Microsoft.Extensions.Logging;

namespace Dipper.Device.Service;

/// <summary>
/// The inference engines of one pipeline run: <see cref="ServiceOptions.Threads"/> engines of the kind the
/// options ask for ("auto": Edge TPUs with failover to the CPU when any is plugged in, else the CPU). When the
/// engines fail over between TPUs, a USB hotplug watcher tells them at once when a TPU comes back, instead
/// of waiting for their periodic recheck.
/// </summary>
public sealed class EngineSet : IDisposable
{
    private readonly List<IInferenceEngine> _engines;
    private readonly UsbHotplugWatcher? _hotplug;

    private EngineSet(string name, List<IInferenceEngine> engines, UsbHotplugWatcher? hotplug, string? notice)
    {
        Name = name;
        Notice = notice;
        _engines = engines;
        _hotplug = hotplug;
    }

    /// <summary>The engine kind chosen ("onnx", "tflite", "edgetpu").</summary>
    public string Name { get; }

    /// <summary>
    /// Said at start and shown on the status page: an Edge TPU is plugged in but the package has no model compiled
    /// for it, so the engines run on the CPU (<see cref="EdgeTpuModelNotice"/>); null otherwise.
    /// </summary>
    public string? Notice { get; }

    /// <summary>One engine per inference worker.</summary>
    public IReadOnlyList<IInferenceEngine> Engines => _engines;

    /// <summary>Builds the engines; Edge TPU engines follow <paramref name="performance"/> (the thermal governor's clock) when given.</summary>
    /// <exception cref="EngineUnavailableException">The engine asked for cannot run the package here.</exception>
    /// <exception cref="InferenceException">An engine could not be opened.</exception>
    public static EngineSet Create(ServiceOptions options, ModelPackage package, ILogger log, EdgeTpuPerformanceSetting? performance = null)
    {
        var factory = ApplianceEngines.CreateFactory(log: message => log.LogWarning("{Message}", message), performance: performance);
        var name = factory.Resolve(options.Engine, package);
        var notice = EdgeTpuModelNotice.For(package);
        var engines = new List<IInferenceEngine>();
        try
        {
            for (var i = 0; i < options.Threads; i++)
            {
                var engine = factory.Create(name, package, new InferenceEngineOptions { Threads = 1, Batch = options.Batch ?? InferenceEngineOptions.BatchFor(package.Manifest.Chunk.Samples) });
                // Failover engines count per member; any other is counted here, so the engines table shows its work.
                engines.Add(engine is FailoverEngine ? engine : new CountedEngine(engine));
            }
        }
        catch
        {
            foreach (var engine in engines) engine.Dispose();
            throw;
        }
        UsbHotplugWatcher? hotplug = null;
        var failovers = engines.OfType<FailoverEngine>().ToList();
        if (failovers.Count > 0)
        {
            hotplug = UsbHotplugWatcher.TryStart(out var problem);
            if (hotplug is null)
            {
                log.LogInformation("no USB hotplug events ({Problem}); a TPU plugged back in is noticed at the engines' next recheck", problem);
            }
            else
            {
                hotplug.DeviceChanged += (_, e) =>
                {
                    if (!e.Arrived) return;
                    foreach (var failover in failovers) failover.RequestRecheck();
                };
            }
        }
        return new EngineSet(name, engines, hotplug, notice);
    }

    /// <summary>Every engine's state; the members of failover engines (each TPU, the fallback) listed one by one.</summary>
    public IReadOnlyList<EngineMember> Members()
    {
        var members = new List<EngineMember>();
        foreach (var engine in _engines)
        {
            if (engine is FailoverEngine failover)
            {
                members.AddRange(failover.Status().Select(s => new EngineMember(s.Name, s.Healthy, s.IsFallback, s.LastError, s.Batches, s.Failures)));
            }
            else if (engine is CountedEngine counted)
            {
                members.Add(new EngineMember(counted.Name, true, false, counted.LastError, counted.Batches, counted.Failures));
            }
        }
        return members;
    }

    /// <summary>Stops the hotplug watcher, then disposes the engines.</summary>
    public void Dispose()
    {
        _hotplug?.Dispose();
        foreach (var engine in _engines) engine.Dispose();
    }
}
