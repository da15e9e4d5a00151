// bench/compress, Dipper side: regenerates the reference's layers, checks them against the arrays
// the reference saved, runs every method cell the reference ran, and prints both side by side.
using System.Diagnostics;
using System.Globalization;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

var inv = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Compress REFERENCE_TSV DUMP_DIR [--dsf-1024]");
    return 2;
}
var reference = new Dictionary<(string Layer, string Method, string Cell), (double Error, double Sparsity, double Seconds)>();
foreach (var line in File.ReadAllLines(args[0]))
{
    var f = line.Split('\t');
    reference[(f[0], f[1], f[2])] = (double.Parse(f[3], inv), double.Parse(f[4], inv), double.Parse(f[5], inv));
}
var dsf1024 = args.Contains("--dsf-1024");

var methods = new (string Name, CompressionMethod Method, AdmmOptions? Admm)[]
{
    ("magnitude", CompressionMethod.Magnitude, null),
    ("wanda", CompressionMethod.Wanda, null),
    ("sparsegpt", CompressionMethod.SparseGpt, null),
    ("admm_fixedmask", CompressionMethod.Admm, new AdmmOptions { Schedule = AdmmMaskSchedule.FixedMask }),
    ("admm_repo", CompressionMethod.Admm, new AdmmOptions { Schedule = AdmmMaskSchedule.Repository }),
    ("admm_cubic", CompressionMethod.Admm, new AdmmOptions { Schedule = AdmmMaskSchedule.Cubic }),
    ("dsf", CompressionMethod.Dsf, null),
};
string[] sparsities = ["50%", "60%", "70%", "80%", "2:4"];

// Warm-up on a small layer, so no timed cell pays for JIT compilation.
{
    var (w64, x64) = SyntheticLayer.Make(64, 64, 256, 1);
    var h = GramMatrix.Of(x64);
    foreach (var m in methods)
        Measure(m.Method, m.Admm, w64.Convert<float>(), h, 0.5, m.Method == CompressionMethod.Dsf ? null : new NmPattern(2, 4));
}

var worstError = new Dictionary<string, double>();
var missedCells = new List<string>();
var totals = new Dictionary<string, (double Dipper, double Reference)>();
Console.WriteLine("same for both: float32 weights, 1 thread, the reference's three layers and cells; scope: method + error + sparsity per cell (as the reference's script times them)");
Console.WriteLine("rel_err = ||WX - W^X||^2/||WX||^2");
Console.WriteLine("targets: error at most 1 % (relative) above the reference's in every cell, DSF 3 %; time per layer and method at most 1.5x the reference's");
foreach (var (outputs, inputs, seed) in SyntheticLayer.ReferenceShapes)
{
    var layer = $"{outputs}x{inputs}";
    var (w64, x64) = SyntheticLayer.Make(outputs, inputs, 4000, seed);
    Console.WriteLine();
    Console.WriteLine($"layer {layer} (d_out x d_in), seed {seed}, N = 4000");
    Console.WriteLine("  " + CompareWithDump(Path.Combine(args[1], $"W_{layer}.npy"), w64, "W") + "; "
        + CompareWithDump(Path.Combine(args[1], $"X_{layer}.npy"), x64, "X"));
    var w = w64.Convert<float>();
    var clock = Stopwatch.StartNew();
    var gram = new GramMatrix(inputs);
    gram.Add(x64.Convert<float>());
    var h = gram.ToMatrix();
    Console.WriteLine($"  H = X^T X from float32 X, accumulated in float64: {clock.Elapsed.TotalSeconds:F2} s (not in the cell times, as in the reference)");
    Console.WriteLine($"  {"method",-15} {"cell",4} {"reference",10} {"dipper",10} {"diff",8} {"ref s",8} {"dipper s",8} {"ratio",6}");
    foreach (var (name, method, admm) in methods)
    {
        if (method == CompressionMethod.Dsf && inputs == 1024 && !dsf1024) continue;
        foreach (var cell in sparsities)
        {
            if (!reference.TryGetValue((layer, name, cell), out var r)) continue;
            NmPattern? nm = cell == "2:4" ? new NmPattern(2, 4) : null;
            var sparsity = nm?.Sparsity ?? double.Parse(cell.TrimEnd('%'), inv) / 100;
            var (error, achieved, seconds) = Measure(method, admm, w, h, sparsity, nm);
            var diff = (error / r.Error - 1) * 100;
            var kind = method == CompressionMethod.Dsf ? "dsf" : "pruning";
            worstError[kind] = Math.Max(worstError.GetValueOrDefault(kind, double.MinValue), diff);
            var key = $"{layer} {name}";
            var t = totals.GetValueOrDefault(key);
            totals[key] = (t.Dipper + seconds, t.Reference + r.Seconds);
            var flag = "";
            if (diff > (kind == "dsf" ? 3 : 1))
            {
                flag = "  ERROR ABOVE TARGET";
                missedCells.Add($"{layer} {name} {cell} error {diff:+0.00}%");
            }
            if (Math.Abs(achieved - r.Sparsity) > 1e-3) flag += $"  sparsity {achieved:F4} vs {r.Sparsity:F4}";
            Console.WriteLine($"  {name,-15} {cell,4} {r.Error,10:F6} {error,10:F6} {diff,7:+0.00;-0.00;+0.00}% {r.Seconds,8:F3} {seconds,8:F3} {seconds / r.Seconds,6:F2}{flag}");
        }
    }
}

Console.WriteLine();
if (File.Exists("/proc/loadavg")) Console.WriteLine($"load average after dipper: {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} (2 cores)");
Console.WriteLine("summary");
foreach (var (kind, worst) in worstError)
    Console.WriteLine($"  worst error vs reference, {kind}: {worst:+0.00;-0.00;+0.00}% (target <= +{(kind == "dsf" ? 3 : 1)}%) {(worst <= (kind == "dsf" ? 3 : 1) ? "ok" : "MISSED")}");
Console.WriteLine($"  time per layer and method (all its cells), dipper / reference:");
var allDipper = totals.Values.Sum(t => t.Dipper);
var allReference = totals.Values.Sum(t => t.Reference);
Console.WriteLine($"    {"all cells",-26} {allDipper,7:F2} s / {allReference,7:F2} s = {allDipper / allReference,5:F2}");
foreach (var (key, (dipper, refSeconds)) in totals)
{
    var fast = dipper <= 1.5 * refSeconds;
    if (!fast) missedCells.Add($"{key} time {dipper / refSeconds:F2}x");
    Console.WriteLine($"    {key,-26} {dipper,7:F2} s / {refSeconds,7:F2} s = {dipper / refSeconds,5:F2} {(fast ? "ok" : "MISSED (> 1.5)")}");
}
if (totals.Count == 0)
{
    Console.WriteLine("result: MISSED — no cell was compared (empty reference table)");
    return 1;
}
Console.WriteLine(missedCells.Count == 0
    ? $"result: target met — worst error {string.Join(", ", worstError.Select(w => $"{w.Key} {w.Value:+0.00;-0.00;+0.00}%"))}; time {allDipper / allReference:F2}x the reference's"
    : $"result: MISSED in {missedCells.Count} place(s): {string.Join("; ", missedCells)}");
return missedCells.Count == 0 ? 0 : 1;

static (double Error, double Sparsity, double Seconds) Measure(CompressionMethod method, AdmmOptions? admm, Matrix<float> w,
    Matrix<double> h, double sparsity, NmPattern? nm)
{
    var clock = Stopwatch.StartNew();
    var result = LayerCompression.Run(method, w, h, sparsity, nm, admm);
    var error = ReconstructionError.Relative(w, result.Weights, h);
    var achieved = result.Sparsity;
    return (error, achieved, clock.Elapsed.TotalSeconds);
}

static string CompareWithDump(string path, Matrix<double> ours, string name)
{
    if (!File.Exists(path)) return $"{name}: no reference dump";
    var theirs = NpyReader.Read<double>(path);
    double maxDiff = 0;
    var float32Differences = 0;
    for (var i = 0; i < ours.Rows; i++)
    {
        var a = ours.Row(i);
        var b = theirs.Row(i);
        for (var j = 0; j < a.Length; j++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(a[j] - b[j]));
            if ((float)a[j] != (float)b[j]) float32Differences++;
        }
    }
    return $"{name} regenerated: max |diff| {maxDiff:E1} in float64, {float32Differences} of {ours.Count} differ in float32";
}
