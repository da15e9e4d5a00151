using System.Globalization;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;

namespace Dipper.Compiler.Calibration;

/// <summary>A whole read kept out of calibration, normalised as the model expects, for verification.</summary>
/// <param name="ReadId">The read's id.</param>
/// <param name="Signal">Normalised samples of the whole read.</param>
public sealed record HeldOutRead(string ReadId, float[] Signal);

/// <summary>
/// Real reads for calibrating and verifying a quantised model, taken from signal files of any
/// format: normalised exactly as the appliance normalises them (the package's settings), cut into
/// the package's chunks. Calibration chunks and held-out reads never share a read, so the
/// agreement measured on the held-out reads is not flattered by ranges fitted to them.
/// </summary>
public sealed class CalibrationSet
{
    // Files store the rate as a float (4000.0, 3999.99…); a model trained at 4 kHz takes both.
    private const double SampleRateTolerance = 0.005;

    private CalibrationSet(IReadOnlyList<float[]> chunks, IReadOnlyList<HeldOutRead> heldOut, IReadOnlyList<string> files,
        int calibrationReads, IReadOnlyList<string> problems, IReadOnlyList<HeldOutRead> wholeReads)
    {
        Chunks = chunks;
        WholeReads = wholeReads;
        HeldOut = heldOut;
        Files = files;
        CalibrationReads = calibrationReads;
        Problems = problems;
    }

    /// <summary>Normalised chunks (each exactly one chunk long) to calibrate on.</summary>
    public IReadOnlyList<float[]> Chunks { get; }

    /// <summary>
    /// The reads the calibration chunks came from, whole and normalised; empty unless <see cref="CalibrationSetOptions.KeepWholeReads"/>.
    /// </summary>
    public IReadOnlyList<HeldOutRead> WholeReads { get; }

    /// <summary>Whole reads held out for verification.</summary>
    public IReadOnlyList<HeldOutRead> HeldOut { get; }

    /// <summary>Signal files the reads came from.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Reads the calibration chunks came from.</summary>
    public int CalibrationReads { get; }

    /// <summary>Files and reads that were skipped, with the reason (unreadable file, other sample rate, too short).</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// Reads signal files (folders searched recursively) until enough chunks and held-out reads
    /// are collected. Bad files and unusable reads are skipped and listed in <see cref="Problems"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">An input names neither a file nor a folder.</exception>
    /// <exception cref="InvalidDataException">No usable read was found.</exception>
    public static async Task<CalibrationSet> LoadAsync(IEnumerable<string> inputs, ModelManifest manifest, CalibrationSetOptions options,
        CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.From(manifest);
        var normaliser = new Normaliser(manifest.Normalisation);
        var chunks = new List<float[]>();
        var heldOut = new List<HeldOutRead>();
        var wholeReads = new List<HeldOutRead>();
        var files = new List<string>();
        var problems = new List<string>();
        var usable = 0;
        var calibrationReads = 0;
        bool Done() => chunks.Count >= options.CalibrationChunks && heldOut.Count >= options.VerificationReads;

        var paths = SignalFile.Find(inputs).ToList();
        foreach (var path in paths)
        {
            if (Done()) break;
            var used = false;
            try
            {
                await using var reader = SignalFile.Open(path);
                await foreach (var read in reader.ReadAllAsync(cancellationToken))
                {
                    if (Done()) break;
                    if (Refusal(read, manifest, layout) is { } why)
                    {
                        problems.Add($"{path}: read {read.ReadId}: {why}; skipped");
                        continue;
                    }
                    used = true;
                    var normalised = new float[read.SampleCount];
                    normaliser.Normalise(read.Signal, normalised);
                    var holdOut = heldOut.Count < options.VerificationReads
                        && (usable % options.HoldOutEvery == options.HoldOutEvery - 1 || chunks.Count >= options.CalibrationChunks);
                    usable++;
                    if (holdOut)
                    {
                        heldOut.Add(new HeldOutRead(read.ReadId, normalised));
                    }
                    else if (chunks.Count < options.CalibrationChunks)
                    {
                        calibrationReads++;
                        if (options.KeepWholeReads) wholeReads.Add(new HeldOutRead(read.ReadId, normalised));
                        TakeChunks(normalised, layout, Math.Min(options.ChunksPerRead, options.CalibrationChunks - chunks.Count), chunks);
                    }
                }
            }
            catch (SignalFormatException e)
            {
                problems.Add($"{e.Message}; rest of the file skipped");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{path}: {e.Message}; skipped");
            }
            if (used) files.Add(path);
        }
        if (chunks.Count == 0)
            throw new InvalidDataException($"no usable reads in {string.Join(", ", inputs)} ({paths.Count} signal files; " +
                $"reads must be at least {layout.Samples} samples at {string.Join("/", manifest.SampleRates)} Hz)");
        return new CalibrationSet(chunks, heldOut, files, calibrationReads, problems, wholeReads);
    }

    /// <summary>Up to <paramref name="count"/> whole chunks spread evenly along the read (calibration and distillation).</summary>
    internal static void TakeChunks(float[] normalised, ChunkLayout layout, int count, List<float[]> chunks)
    {
        var whole = (normalised.Length - layout.Samples) / layout.Step + 1;
        var take = Math.Min(count, whole);
        for (var j = 0; j < take; j++)
        {
            var index = take == 1 ? 0 : (int)Math.Round(j * (whole - 1.0) / (take - 1));
            chunks.Add(normalised.AsSpan(layout.Start(index), layout.Samples).ToArray());
        }
    }

    /// <summary>Why the model cannot take <paramref name="read"/> as calibration or training data, or null.</summary>
    internal static string? Refusal(Read read, ModelManifest manifest, ChunkLayout layout)
    {
        if (read.SampleCount < layout.Samples) return $"{read.SampleCount} samples, shorter than one chunk ({layout.Samples})";
        if (!manifest.SampleRates.Any(rate => Math.Abs(read.SampleRate - rate) <= rate * SampleRateTolerance))
            return $"sample rate {read.SampleRate.ToString("0.###", CultureInfo.InvariantCulture)} Hz is not one the model was trained for";
        return null;
    }
}
