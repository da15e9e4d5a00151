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
/// of waiting for their periodic recheck. A model with dynamic pooling gets, per thread, an ONNX Runtime engine for
/// the part before its pooling and an engine for the part after it (<see cref="PooledModelEngines"/>, as <c>dipperd basecall</c>
/// runs it): the kind the options ask for, chosen and failed over as for a model without pooling, when <c>dipper compile</c>
/// gave that part an int8 TFLite model; ONNX Runtime whatever the options ask for when it has none.
/// </summary>
public sealed class EngineSet : IDisposable
{
    /// <summary>The engines table's name of an engine running the part of a pooled model before the pooling.</summary>
    public const string BeforePoolingMember = PooledModelEngines.EngineName + " (before pooling)";

    /// <summary>The engines table's name of an ONNX Runtime engine running the part of a pooled model after the pooling.</summary>
    public const string AfterPoolingMember = PooledModelEngines.EngineName + " (after pooling)";

    /// <summary>The engines table's name of an engine of kind <paramref name="engine"/> running the part of a pooled model after the pooling.</summary>
    public static string AfterPoolingMemberOf(string engine) => $"{engine} (after pooling)";

    private readonly List<IInferenceEngine> _engines;
    private readonly List<IInferenceEngine> _afterPooling;
    private readonly UsbHotplugWatcher? _hotplug;

    private EngineSet(string name, List<IInferenceEngine> engines, List<IInferenceEngine> afterPooling, UsbHotplugWatcher? hotplug, string? notice)
    {
        Name = name;
        Notice = notice;
        _engines = engines;
        _afterPooling = afterPooling;
        _hotplug = hotplug;
    }

    /// <summary>The engine kind chosen ("onnx", "tflite", "edgetpu"; for a pooled model both parts', "onnx+tflite" when they differ).</summary>
    public string Name { get; }

    /// <summary>
    /// Said at start and shown on the status page: an Edge TPU is plugged in but the package has no model compiled
    /// for it, so the engines run on the CPU (<see cref="EdgeTpuModelNotice"/>), or the model pools dynamically and so
    /// runs on ONNX Runtime whatever <see cref="ServiceOptions.Engine"/> says; null otherwise.
    /// </summary>
    public string? Notice { get; }

    /// <summary>One engine per inference worker (of the part before the pooling, for a pooled model).</summary>
    public IReadOnlyList<IInferenceEngine> Engines => _engines;

    /// <summary>One engine per inference worker of the part after the pooling; empty for a model without pooling.</summary>
    public IReadOnlyList<IInferenceEngine> AfterPooling => _afterPooling;

    /// <summary>Builds the engines; Edge TPU engines follow <paramref name="performance"/> (the thermal governor's clock) when given.</summary>
    /// <exception cref="EngineUnavailableException">The engine asked for cannot run the package here.</exception>
    /// <exception cref="InferenceException">An engine could not be opened.</exception>
    public static EngineSet Create(ServiceOptions options, ModelPackage package, ILogger log, EdgeTpuPerformanceSetting? performance = null)
    {
        var factory = ApplianceEngines.CreateFactory(log: message => log.LogWarning("{Message}", message), performance: performance);
        if (package.Manifest.Pooling is not null) return CreatePooled(options, package, factory, log);
        var name = factory.Resolve(options.Engine, package);
        var notice = EdgeTpuModelNotice.For(package);
        var engines = new List<IInferenceEngine>();
        try
        {
            for (var i = 0; i < options.Threads; i++)
            {
                var engine = factory.Create(name, package, new InferenceEngineOptions
                {
                    Threads = 1,
                    Batch = options.Batch ?? InferenceEngineOptions.BatchFor(package.Manifest.Chunk.Samples),
                    DepthwiseKernel = options.DepthwiseKernel,
                });
                // Failover engines count per member; any other is counted here, so the engines table shows its work.
                engines.Add(Counted(engine, null));
            }
        }
        catch
        {
            foreach (var engine in engines) engine.Dispose();
            throw;
        }
        return new EngineSet(name, engines, [], WatchHotplug(engines, log), notice);
    }

    /// <summary>Failover engines count per member; any other engine is counted here (under <paramref name="member"/> when given).</summary>
    private static IInferenceEngine Counted(IInferenceEngine engine, string? member) =>
        engine is FailoverEngine ? engine : member is null ? new CountedEngine(engine) : new CountedEngine(engine, member);

    /// <summary>A USB hotplug watcher that tells the failover engines among <paramref name="engines"/> when a TPU comes back; null when there are none or no hotplug events.</summary>
    private static UsbHotplugWatcher? WatchHotplug(IEnumerable<IInferenceEngine> engines, ILogger log)
    {
        var failovers = engines.OfType<FailoverEngine>().ToList();
        if (failovers.Count == 0) return null;
        var hotplug = UsbHotplugWatcher.TryStart(out var problem);
        if (hotplug is null)
        {
            log.LogInformation("no USB hotplug events ({Problem}); a TPU plugged back in is noticed at the engines' next recheck", problem);
            return null;
        }
        hotplug.DeviceChanged += (_, e) =>
        {
            if (!e.Arrived) return;
            foreach (var failover in failovers) failover.RequestRecheck();
        };
        return hotplug;
    }

    /// <summary>
    /// The engines of a model with dynamic pooling (<see cref="PooledModelEngines"/>): the part before the pooling on ONNX
    /// Runtime, the part after it on the engine <see cref="ServiceOptions.Engine"/> asks for when it has an int8 TFLite model
    /// (else on ONNX Runtime, which the notice says); each engine counted under the name of its part so the engines table
    /// shows where the batches go (a failover engine's members under their own names).
    /// </summary>
    private static EngineSet CreatePooled(ServiceOptions options, ModelPackage package, EngineFactory factory, ILogger log)
    {
        var onnxOnly = PooledModelEngines.RunsOnOnnxRuntimeOnly(package);
        var pooled = onnxOnly
            ? PooledModelEngines.Create(package, options.Threads, options.Batch)
            : PooledModelEngines.Create(package, options.Threads, options.Batch, factory, options.Engine);
        // The counted engines own the engines from here on (disposing them disposes those).
        var before = pooled.BeforePooling.Select(e => (IInferenceEngine)new CountedEngine(e, BeforePoolingMember)).ToList();
        var after = pooled.AfterPooling.Select(e => Counted(e, AfterPoolingMemberOf(pooled.AfterPoolingEngine))).ToList();
        string? notice;
        if (onnxOnly)
        {
            var asked = string.Equals(options.Engine, PooledModelEngines.EngineName, StringComparison.OrdinalIgnoreCase)
                ? ""
                : $" (Service:Engine is {options.Engine})";
            notice = $"{PooledModelEngines.OnnxRuntimeOnly(package.Manifest)}: base calling runs on the CPU{asked}.";
        }
        else
        {
            notice = EdgeTpuModelNotice.For(package.AfterPoolingPart!);
        }
        return new EngineSet(pooled.Name, before, after, WatchHotplug(after, log), notice);
    }

    /// <summary>Every engine's state; the members of failover engines (each TPU, the fallback) listed one by one.</summary>
    public IReadOnlyList<EngineMember> Members()
    {
        var members = new List<EngineMember>();
        foreach (var engine in _engines.Concat(_afterPooling))
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
        foreach (var engine in _engines.Concat(_afterPooling)) engine.Dispose();
    }
}
