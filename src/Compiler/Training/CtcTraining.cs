using Dipper.Compiler.Labelling;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Training against reference bases as an objective: CTC (<see cref="CtcLoss"/>) on the chunks of a label set
/// (<c>dipper label</c>), with the chunks of one read in N held out (by read id, <see cref="HeldOutReads"/>) and
/// validated by the same CTC loss. Chunks whose label cannot fit the model's frames have no CTC path and are left out
/// and counted.
/// </summary>
public sealed class CtcTraining : ITrainingObjective
{
    private readonly LabelSet _labels;
    private readonly int[] _training;
    private readonly int[] _validation;
    private readonly int _blank;
    private readonly int _validationBatch;

    /// <summary>Splits <paramref name="labels"/> into training and held-out chunks.</summary>
    /// <param name="labels">The label set; its codes index the model's alphabet.</param>
    /// <param name="blank">The model's blank class (no label holds it).</param>
    /// <param name="frames">Frames the model gives a chunk (chunk samples over stride).</param>
    /// <param name="validationEvery">Hold out one read in this many.</param>
    /// <param name="validationBatch">Chunks per forward pass when validating.</param>
    /// <exception cref="InvalidDataException">A label holds the blank, or no chunk is left to train on or to validate on.</exception>
    public CtcTraining(LabelSet labels, int blank, int frames, int validationEvery, int validationBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(validationBatch);
        (_labels, _blank, _validationBatch) = (labels, blank, validationBatch);
        var (training, validation) = (new List<int>(), new List<int>());
        var (trainingReads, validationReads) = (new List<string>(), new List<string>());
        foreach (var range in labels.Metadata.ChunkReads)
        {
            var held = HeldOutReads.Contains(range.ReadId, validationEvery);
            (held ? validationReads : trainingReads).Add(range.ReadId);
            for (var row = range.First; row < range.First + range.Count; row++)
            {
                var label = labels.Reference(row);
                if (label.Contains((byte)blank))
                    throw new InvalidDataException($"label set row {row} (read {range.ReadId}) holds the blank class {blank}: the labels do not fit this model's alphabet");
                if (label.Length == 0 || CtcLoss.FramesNeeded(label) > frames)
                {
                    Unusable++;
                    continue;
                }
                (held ? validation : training).Add(row);
            }
        }
        if (training.Count == 0 || validation.Count == 0)
            throw new InvalidDataException($"{training.Count} training and {validation.Count} validation chunks in the label set " +
                $"({labels.Count} chunks from {labels.Metadata.ChunkReads.Count} reads; one read in {validationEvery} is held out, " +
                $"{Unusable} chunks have labels too long for {frames} frames): training needs both");
        (_training, _validation, TrainingReads, ValidationReads) = ([.. training], [.. validation], trainingReads, validationReads);
    }

    /// <inheritdoc />
    public string Name => "ctc";

    /// <inheritdoc />
    public int TrainingChunks => _training.Length;

    /// <summary>Held-out chunks validated on.</summary>
    public int ValidationChunks => _validation.Length;

    /// <inheritdoc />
    public int ChunkSamples => _labels.Metadata.ChunkSamples;

    /// <summary>Ids of the reads whose chunks are trained on.</summary>
    public IReadOnlyList<string> TrainingReads { get; }

    /// <summary>Ids of the held-out reads.</summary>
    public IReadOnlyList<string> ValidationReads { get; }

    /// <summary>Chunks left out because their label is empty or needs more frames than the model gives a chunk.</summary>
    public int Unusable { get; }

    /// <inheritdoc />
    public Tensor Input(int[] chunks) => Signal(chunks.Select(c => _training[c]).ToArray());

    /// <inheritdoc />
    public Tensor Loss(GraphModule model, int[] chunks) => BatchLoss(model, chunks.Select(c => _training[c]).ToArray());

    /// <inheritdoc />
    public ValidationRecord Validate(GraphModule model, int step)
    {
        double loss = 0;
        foreach (var indices in ChunkTensor.InOrder(_validation.Length, _validationBatch))
        {
            using var scope = NewDisposeScope();
            loss += BatchLoss(model, indices.Select(i => _validation[i]).ToArray()).item<float>() * indices.Length;
        }
        return new ValidationRecord(step, loss / _validation.Length);
    }

    private Tensor Signal(int[] rows) => ChunkTensor.Signal(rows, ChunkSamples, row => _labels.Chunk(row));

    private Tensor BatchLoss(GraphModule model, int[] rows)
    {
        var logProbs = model.Forward(Signal(rows), out var frames);
        var longest = rows.Max(r => _labels.Lengths[r]);
        var targets = new long[rows.Length * longest];
        var lengths = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var label = _labels.Reference(rows[i]);
            for (var j = 0; j < label.Length; j++) targets[i * longest + j] = label[j];
            lengths[i] = label.Length;
        }
        return CtcLoss.Compute(logProbs, tensor(targets, [rows.Length, longest]), tensor(lengths), _blank, frames);
    }
}
