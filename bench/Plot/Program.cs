using System.Globalization;
using ScottPlot;

// bench/Plot CURVE.tsv OUT.png [FINETUNED.tsv]: draws docs/sparsity-curve.png from bench/sparsity-curve's table —
// mean identity (reads not calibrated on) against the sparsity reached, one line per method (solid:
// with output recalibration, dashed: without, when the table has a recalibration column), with the
// dense model and the dense model less 0.5 points as horizontal lines. With bench/finetune-recovery's table, its
// fine-tuned packages are drawn too (dotted, large markers), at the sparsity the curve's table reached for the same
// method and asked sparsity.
if (args.Length is not (2 or 3))
{
    Console.Error.WriteLine("usage: Plot CURVE.tsv OUT.png [FINETUNED.tsv]");
    return 2;
}
var inv = CultureInfo.InvariantCulture;
var lines = File.ReadAllLines(args[0]);
var header = lines[0].Split('\t');
int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidDataException($"{args[0]}: no column '{name}'");
var (method, achieved, identity) = (Column("method"), Column("achieved_sparsity"), Column("heldout_mean_identity"));
var recalibration = Array.IndexOf(header, "recalibration");
string Recalibrated(string[] row) => recalibration >= 0 ? row[recalibration] : "yes";
var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
var dense = rows.Single(r => r[method] == "dense");
var denseIdentity = double.Parse(dense[identity], inv) * 100;

var plot = new Plot();
var colours = new[] { Colors.Gray, Colors.DarkOrange, Colors.RoyalBlue, Colors.ForestGreen, Colors.Crimson };
var methods = rows.Where(r => r[method] != "dense").Select(r => r[method]).Distinct().ToList();
foreach (var group in rows.Where(r => r[method] != "dense").GroupBy(r => (Method: r[method], Recalibrated: Recalibrated(r))))
{
    var points = group.Where(r => r[identity] != "nan").OrderBy(r => double.Parse(r[achieved], inv)).ToList();
    var xs = points.Select(r => double.Parse(r[achieved], inv) * 100).ToArray();
    var ys = points.Select(r => double.Parse(r[identity], inv) * 100).ToArray();
    var line = plot.Add.Scatter(xs, ys, colours[methods.IndexOf(group.Key.Method) % colours.Length]);
    line.LegendText = group.Key.Recalibrated == "yes" ? group.Key.Method : $"{group.Key.Method}, no recalibration";
    if (group.Key.Recalibrated != "yes") line.LinePattern = LinePattern.Dashed;
    line.LineWidth = 2;
    line.MarkerSize = group.Key.Recalibrated == "yes" ? 7 : 5;
}
if (args.Length == 3)
{
    var tuned = File.ReadAllLines(args[2]);
    var tunedHeader = tuned[0].Split('\t');
    int TunedColumn(string name) => Array.IndexOf(tunedHeader, name) is var i and >= 0 ? i : throw new InvalidDataException($"{args[2]}: no column '{name}'");
    var (tMethod, tSparsity, tStage, tIdentity) = (TunedColumn("method"), TunedColumn("sparsity"), TunedColumn("stage"), TunedColumn("heldout_mean_identity"));
    var asked = Column("sparsity");
    double Reached(string m, string sparsity) =>
        rows.FirstOrDefault(r => r[method] == m && Recalibrated(r) == "yes" && double.Parse(r[asked], inv) == double.Parse(sparsity, inv)) is { } row
            ? double.Parse(row[achieved], inv) : double.Parse(sparsity, inv);
    foreach (var group in tuned.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'))
                 .Where(r => r[tStage] == "finetuned" && r[tIdentity] != "nan").GroupBy(r => r[tMethod]))
    {
        var points = group.OrderBy(r => double.Parse(r[tSparsity], inv)).ToList();
        var xs = points.Select(r => Reached(group.Key, r[tSparsity]) * 100).ToArray();
        var ys = points.Select(r => double.Parse(r[tIdentity], inv) * 100).ToArray();
        if (!methods.Contains(group.Key)) methods.Add(group.Key);
        var line = plot.Add.Scatter(xs, ys, colours[methods.IndexOf(group.Key) % colours.Length]);
        line.LegendText = $"{group.Key}, fine-tuned by distillation";
        line.LinePattern = LinePattern.Dotted;
        line.LineWidth = 2;
        line.MarkerSize = 11;
        line.MarkerShape = MarkerShape.FilledDiamond;
    }
}
var top = plot.Add.HorizontalLine(denseIdentity, 1.5f, Colors.Black, LinePattern.Solid);
top.LegendText = string.Create(inv, $"dense {denseIdentity:0.0} %");
var within = plot.Add.HorizontalLine(denseIdentity - 0.5, 1, Colors.Black, LinePattern.Dashed);
within.LegendText = "dense − 0.5 points";
plot.Title(args.Length == 3
    ? "sbonito compressed in one shot (dashed: no recalibration; dotted: then fine-tuned): identity to E. coli K-12"
    : "sbonito, every layer compressed in one shot (dashed: no recalibration): identity to E. coli K-12");
plot.XLabel("sparsity reached (% of conv/linear weights that are zero; DSF: of the two factors' budget)");
plot.YLabel("mean read identity, reads not calibrated on (%)");
plot.Axes.SetLimitsY(Math.Max(0, rows.Where(r => r[identity] != "nan").Min(r => double.Parse(r[identity], inv) * 100) - 2), denseIdentity + 2);
plot.ShowLegend(Alignment.LowerLeft);
plot.SavePng(args[1], 1000, 640);
Console.WriteLine($"wrote {args[1]}");
return 0;
