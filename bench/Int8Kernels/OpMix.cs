using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace Dipper.Bench.Int8Kernels;

/// <summary>
/// Where ONNX Runtime spends the model's time, by kind of operator: its own profiler over a few batches of 32 × 1,800
/// samples (1 thread, ORT_ENABLE_ALL, as dipperd runs it), each node's kernel time summed into the model's layer kinds
/// (told apart by the weight shape: 1×1, depthwise, stem, head) and the rest (swish, residual adds, layout reorders,
/// the output's log-softmax). The 1×1 share is what our int8 kernel can speed up.
/// </summary>
internal static class OpMix
{
    /// <summary>Kernel microseconds and nodes per kind and run, largest first, and the run's total.</summary>
    public static (IReadOnlyList<(string Kind, double Microseconds, int Nodes)> Kinds, double Total) Measure(string modelPath, int batch, int samples, int runs)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableProfiling = true,
            ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"int8-kernels-{Environment.ProcessId}"),
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // dipper compile's int8 model writes its swishes as Dipper's table operator, as the ONNX engine runs it.
        using var tableLookup = new Dipper.Basecaller.Inference.DipperOperators();
        tableLookup.AddTo(options);
        string profile;
        using (var session = new InferenceSession(modelPath, options))
        {
            var random = new Random(15);
            var values = new float[batch * samples];
            for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
            using var input = OrtValue.CreateTensorValueFromMemory(values, [batch, 1, samples]);
            using var run = new RunOptions();
            for (var r = 0; r < runs + 1; r++) session.Run(run, [session.InputNames[0]], [input], session.OutputNames).Dispose();
            profile = session.EndProfiling();
        }
        try
        {
            return Summarise(profile);
        }
        finally
        {
            File.Delete(profile);
        }
    }

    /// <summary>Node kernel times inside each run but the first (its allocations), averaged over those runs.</summary>
    private static (IReadOnlyList<(string Kind, double Microseconds, int Nodes)>, double) Summarise(string profilePath)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(profilePath));
        var events = json.RootElement.EnumerateArray().ToList();
        var runs = events.Where(e => e.GetProperty("cat").GetString() == "Session" && e.GetProperty("name").GetString() == "model_run")
            .Select(e => (Start: e.GetProperty("ts").GetDouble(), End: e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble()))
            .OrderBy(r => r.Start).Skip(1).ToList();
        var sums = new Dictionary<string, double>();
        var nodes = new Dictionary<string, int>();
        foreach (var e in events)
        {
            if (e.GetProperty("cat").GetString() != "Node" || !(e.GetProperty("name").GetString() ?? "").EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            var ts = e.GetProperty("ts").GetDouble();
            if (!runs.Any(r => ts >= r.Start && ts <= r.End)) continue;
            var args = e.GetProperty("args");
            var kind = Kind(args.GetProperty("op_name").GetString() ?? "?", args);
            sums[kind] = sums.GetValueOrDefault(kind) + e.GetProperty("dur").GetDouble();
            nodes[kind] = nodes.GetValueOrDefault(kind) + 1;
        }
        var total = runs.Sum(r => r.End - r.Start) / runs.Count;
        return (sums.Select(kv => (kv.Key, kv.Value / runs.Count, nodes[kv.Key] / runs.Count)).OrderByDescending(k => k.Item2).ToList(), total);
    }

    private static string Kind(string op, JsonElement args)
    {
        if (!op.Contains("Conv", StringComparison.Ordinal)) return op;
        var shapes = args.TryGetProperty("input_type_shape", out var s) ? s.EnumerateArray().Select(x => x.ToString()).ToList() : [];
        var weight = shapes.Count > 1 ? shapes[1] : "";
        var dims = System.Text.RegularExpressions.Regex.Matches(weight, @"\d+").Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        return dims switch
        {
            [_, 1, 1, 11] => $"{op} depthwise k11",
            [_, 1, 1, 9] or [_, 1, 9] => $"{op} stem k9",
            [var o, var i, 1, 1] when o == i => $"{op} 1x1 {o}->{i}",
            [_, _, 1, 7] => $"{op} head k7",
            _ => $"{op} {weight}",
        };
    }
}
