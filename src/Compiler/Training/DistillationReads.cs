using System.Globalization;
using System.Security.Cryptography;
using Dipper.Basecaller.Models;
using Dipper.Basecaller.Pipeline;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Calibration;

namespace Dipper.Compiler.Training;

/// <summary>A signal file distillation read, recorded in the output's provenance so the data can be named and checked.</summary>
/// <param name="Name">The file's name.</param>
/// <param name="Sha256">Hex SHA-256 of its bytes.</param>
public sealed record ReadFileRecord(string Name, string Sha256);

/// <summary>
/// Unlabelled reads for distillation, from signal files of any format, normalised as the appliance normalises them
/// and cut into the package's chunks. Reads are split into training and validation by a hash of the read id, so
/// the split is the same on every run and on resume whatever order the files are given in, and no chunk of a
/// validation read is ever trained on.
/// </summary>
public sealed class DistillationReads
{
    private DistillationReads(List<float[]> training, List<float[]> validation, List<string> trainingReads, List<string> validationReads,
        List<Read> heldOutSignals, List<ReadFileRecord> files, List<string> problems)
    {
        (Training, Validation, TrainingReads, ValidationReads, HeldOutSignals, Files, Problems) =
            (training, validation, trainingReads, validationReads, heldOutSignals, files, problems);
    }

    /// <summary>Chunks of the training reads.</summary>
    public IReadOnlyList<float[]> Training { get; }

    /// <summary>Chunks of the held-out validation reads.</summary>
    public IReadOnlyList<float[]> Validation { get; }

    /// <summary>Ids of the reads trained on.</summary>
    public IReadOnlyList<string> TrainingReads { get; }

    /// <summary>Ids of the reads held out for validation.</summary>
    public IReadOnlyList<string> ValidationReads { get; }

    /// <summary>The held-out reads whole (raw signal), when asked for: what a validation by basecall identity calls.</summary>
    public IReadOnlyList<Read> HeldOutSignals { get; }

    /// <summary>The signal files used, with their hashes.</summary>
    public IReadOnlyList<ReadFileRecord> Files { get; }

    /// <summary>Files and reads that were skipped, with the reason.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// Reads every signal file (folders searched recursively) and cuts each usable read into whole chunks (at most
    /// <paramref name="chunksPerRead"/> per read, spread along it). Bad files and unusable reads are skipped and listed.
    /// </summary>
    /// <exception cref="FileNotFoundException">An input names neither a file nor a folder.</exception>
    /// <exception cref="InvalidDataException">No usable read for training, or none for validation.</exception>
    /// <param name="inputs">Signal files or folders.</param>
    /// <param name="manifest">The model's chunking, normalisation and sample rates.</param>
    /// <param name="chunksPerRead">At most this many chunks from one read.</param>
    /// <param name="validationEvery">Hold out one read in this many.</param>
    /// <param name="keepHeldOutReads">Keep the held-out reads whole too (<see cref="HeldOutSignals"/>), to call them at validations.</param>
    /// <param name="cancellationToken">Stops between reads.</param>
    public static async Task<DistillationReads> LoadAsync(IEnumerable<string> inputs, ModelManifest manifest, int chunksPerRead, int validationEvery,
        bool keepHeldOutReads, CancellationToken cancellationToken)
    {
        var layout = ChunkLayout.From(manifest);
        var normaliser = new Normaliser(manifest.Normalisation);
        var (training, validation) = (new List<float[]>(), new List<float[]>());
        var (trainingReads, validationReads) = (new List<string>(), new List<string>());
        var heldOutSignals = new List<Read>();
        var files = new List<ReadFileRecord>();
        var problems = new List<string>();
        var paths = SignalFile.Find(inputs).ToList();
        foreach (var path in paths)
        {
            var used = false;
            try
            {
                await using (var reader = SignalFile.Open(path))
                {
                    await foreach (var read in reader.ReadAllAsync(cancellationToken))
                    {
                        if (CalibrationSet.Refusal(read, manifest, layout) is { } why)
                        {
                            problems.Add($"{path}: read {read.ReadId}: {why}; skipped");
                            continue;
                        }
                        used = true;
                        var normalised = new float[read.SampleCount];
                        normaliser.Normalise(read.Signal, normalised);
                        var held = HeldOutReads.Contains(read.ReadId, validationEvery);
                        (held ? validationReads : trainingReads).Add(read.ReadId);
                        if (held && keepHeldOutReads) heldOutSignals.Add(read);
                        CalibrationSet.TakeChunks(normalised, layout, chunksPerRead, held ? validation : training);
                    }
                }
                if (used)
                {
                    await using var file = File.OpenRead(path);
                    files.Add(new ReadFileRecord(Path.GetFileName(path), Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken))));
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
        }
        if (training.Count == 0 || validation.Count == 0)
            throw new InvalidDataException($"{training.Count} training and {validation.Count} validation chunks from {string.Join(", ", inputs)} " +
                $"({paths.Count} signal files; one read in {validationEvery} is held out; reads must be at least {layout.Samples} samples at " +
                $"{string.Join("/", manifest.SampleRates)} Hz): distillation needs both");
        return new DistillationReads(training, validation, trainingReads, validationReads, heldOutSignals, files, problems);
    }
}
