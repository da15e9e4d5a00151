using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dipper.Compiler.Numerics;
using Dipper.Compiler.Passes.Compression;

namespace Dipper.Compiler.Commands;

/// <summary>
/// <c>dipper prune-layer --weights W.npy --inputs X.npy --method M --sparsity S [--nm N:M] [--out W_hat.npy] [--json]</c>:
/// compresses one layer against its calibration inputs and reports the relative reconstruction
/// error, the achieved sparsity and the time. Used to compare methods on a layer exported from
/// PyTorch, and to check Dipper against the reference implementation.
/// </summary>
public static class PruneLayerCommand
{
    private static readonly Dictionary<string, CompressionMethod> Methods = new()
    {
        ["magnitude"] = CompressionMethod.Magnitude,
        ["wanda"] = CompressionMethod.Wanda,
        ["sparsegpt"] = CompressionMethod.SparseGpt,
        ["admm"] = CompressionMethod.Admm,
        ["dsf"] = CompressionMethod.Dsf,
    };

    private static readonly Dictionary<string, AdmmMaskSchedule> Schedules = new()
    {
        ["repo"] = AdmmMaskSchedule.Repository,
        ["cubic"] = AdmmMaskSchedule.Cubic,
        ["fixed-mask"] = AdmmMaskSchedule.FixedMask,
    };

    /// <summary>What the command needs, parsed and validated.</summary>
    /// <param name="Weights">W.npy, d_out × d_in.</param>
    /// <param name="Inputs">X.npy, N × d_in.</param>
    /// <param name="Method">The compression method.</param>
    /// <param name="Sparsity">Fraction of zeros (DSF: of the stored nonzero budget).</param>
    /// <param name="Pattern">n:m pattern instead of unstructured sparsity.</param>
    /// <param name="Schedule">ADMM mask schedule.</param>
    /// <param name="Output">Where to write Ŵ, if anywhere.</param>
    /// <param name="Json">One JSON object instead of text.</param>
    public sealed record Request(string Weights, string Inputs, CompressionMethod Method, double Sparsity, NmPattern? Pattern,
        AdmmMaskSchedule Schedule, string? Output, bool Json);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "Layer weights W (d_out × d_in), .npy float32/float64, C order", Required = true };
        var inputs = new Option<string>("--inputs") { Description = "Calibration inputs X (N × d_in), .npy float32/float64, C order", Required = true };
        var method = new Option<string>("--method") { Description = "Compression method", Required = true };
        method.AcceptOnlyFromAmong([.. Methods.Keys]);
        var sparsity = new Option<double?>("--sparsity") { Description = "Fraction of zero weights in [0, 1) (DSF: 1 − (nnz(A)+nnz(B))/numel(W)); implied by --nm" };
        var nm = new Option<string?>("--nm") { Description = "Semi-structured N:M pattern: N zeros in every M consecutive inputs (2:4, 4:8)" };
        var schedule = new Option<string>("--admm-schedule")
        {
            Description = "ADMM mask selection: repo (the released code's, default), cubic (gradual), fixed-mask",
            DefaultValueFactory = _ => "repo",
        };
        schedule.AcceptOnlyFromAmong([.. Schedules.Keys]);
        var output = new Option<string?>("--out") { Description = "Write the compressed weights Ŵ here (.npy, the dtype of --weights); DSF writes A·B" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {relative_error, sparsity, seconds}" };
        var command = new Command("prune-layer",
            "Prune or factorise one layer against its calibration inputs; print ‖XWᵀ−XŴᵀ‖²/‖XWᵀ‖², the achieved sparsity and the seconds the method took")
        {
            weights, inputs, method, sparsity, nm, schedule, output, json,
        };
        command.Validators.Add(result =>
        {
            // Values that failed to parse are reported by the parser itself; skip them here.
            var s = ValueOrDefault(() => result.GetValue(sparsity));
            var pattern = ValueOrDefault(() => result.GetValue(nm));
            var m = ValueOrDefault(() => result.GetValue(method));
            if (s is { } v && !(v >= 0 && v < 1)) result.AddError($"--sparsity must be in [0, 1), got {v.ToString(CultureInfo.InvariantCulture)}");
            if (pattern is null && result.GetResult(sparsity) is null) result.AddError("--sparsity is required (or give --nm N:M)");
            if (pattern is not null)
            {
                if (!NmPattern.TryParse(pattern, out var parsed)) result.AddError($"--nm must be N:M with 0 < N < M ≤ 64, got '{pattern}'");
                else if (s is { } given && Math.Abs(given - parsed.Sparsity) > 1e-9)
                    result.AddError($"--sparsity {given.ToString(CultureInfo.InvariantCulture)} contradicts --nm {pattern} (sparsity {parsed.Sparsity.ToString(CultureInfo.InvariantCulture)})");
                if (m == "dsf") result.AddError("--nm does not apply to dsf (a factorisation, not a mask)");
            }
            if (result.GetResult(schedule) is { Implicit: false } && m != "admm") result.AddError("--admm-schedule applies to --method admm only");
        });
        command.SetAction(result =>
        {
            NmPattern? pattern = result.GetValue(nm) is { } text && NmPattern.TryParse(text, out var p) ? p : null;
            var request = new Request(result.GetValue(weights)!, result.GetValue(inputs)!, Methods[result.GetValue(method)!],
                pattern?.Sparsity ?? result.GetValue(sparsity)!.Value, pattern, Schedules[result.GetValue(schedule)!],
                result.GetValue(output), result.GetValue(json));
            return Run(request, Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Runs the request; 0 on success, 1 when an input file is unusable or the layer cannot be compressed.</summary>
    public static int Run(Request request, TextWriter output, TextWriter errors)
    {
        Matrix<float> w;
        bool weightsAreFloat64;
        Matrix<double> gram;
        try
        {
            using (var reader = NpyReader.Open(request.Weights))
            {
                weightsAreFloat64 = reader.IsFloat64;
                w = reader.ReadAll<float>();
            }
            RequireFinite(w, request.Weights);
            gram = AccumulateGram(request.Inputs, request.Weights, w.Columns);
            request.Pattern?.RequireDivides(w.Columns);
        }
        catch (Exception e) when (e is NpyFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"dipper prune-layer: {e.Message}");
            return 1;
        }
        catch (ArgumentException e)
        {
            errors.WriteLine($"dipper prune-layer: {request.Weights}: {e.Message}");
            return 1;
        }

        CompressedLayer result;
        var clock = Stopwatch.StartNew();
        try
        {
            result = LayerCompression.Run(request.Method, w, gram, request.Sparsity, request.Pattern,
                new AdmmOptions { Schedule = request.Schedule });
        }
        catch (MatrixNotPositiveDefiniteException e)
        {
            errors.WriteLine($"dipper prune-layer: {request.Inputs}: XᵀX cannot be factorised even with damping ({e.Message})");
            return 1;
        }
        catch (ArgumentException e)
        {
            // The layer's shape does not admit the request (e.g. n:m groups across SparseGPT's blocks).
            errors.WriteLine($"dipper prune-layer: {request.Weights}: {e.Message}");
            return 1;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var error = ReconstructionError.Relative(w, result.Weights, gram);

        if (request.Output is { } path)
        {
            try
            {
                NpyWriter.Write(path, result.Weights, weightsAreFloat64);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"dipper prune-layer: cannot write {path}: {e.Message}");
                return 1;
            }
        }
        Report(output, request.Json, error, result.Sparsity, seconds);
        return 0;
    }

    private static T? ValueOrDefault<T>(Func<T> value)
    {
        try
        {
            return value();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    private static Matrix<double> AccumulateGram(string inputsPath, string weightsPath, int width)
    {
        using var reader = NpyReader.Open(inputsPath);
        if (reader.Columns != width)
            throw new InvalidDataException($"{inputsPath}: inputs are {reader.Rows} × {reader.Columns} but {weightsPath} has {width} inputs (X must be N × d_in)");
        if (reader.Rows == 0) throw new InvalidDataException($"{inputsPath}: no calibration rows");
        // Stream X in blocks: the Gram matrix is all the methods need.
        var gram = new GramMatrix(width);
        var block = new Matrix<double>(Math.Min(reader.Rows, 1024), width);
        var first = 0;
        int count;
        while ((count = reader.ReadRows(block)) > 0)
        {
            var rows = block.Block(0, 0, count, width).Clone();
            RequireFinite(rows, inputsPath, first);
            gram.Add(rows);
            first += count;
        }
        return gram.ToMatrix();
    }

    private static void RequireFinite<T>(Matrix<T> m, string path, int firstRow = 0) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (var i = 0; i < m.Rows; i++)
        {
            var row = m.Row(i);
            for (var j = 0; j < row.Length; j++)
                if (!T.IsFinite(row[j]))
                    throw new InvalidDataException($"{path}: non-finite value {row[j]} at row {firstRow + i}, column {j}");
        }
    }

    private static void Report(TextWriter output, bool json, double error, double sparsity, double seconds)
    {
        if (json)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("relative_error", error);
                writer.WriteNumber("sparsity", sparsity);
                writer.WriteNumber("seconds", Math.Round(seconds, 6));
                writer.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return;
        }
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"relative error  {error.ToString("G6", inv)}");
        output.WriteLine($"sparsity        {sparsity.ToString("F4", inv)}");
        output.WriteLine($"seconds         {seconds.ToString("F3", inv)}");
    }
}
