using Dipper.Compiler.Graph;
using static TorchSharp.torch;

namespace Dipper.Compiler.Training;

/// <summary>
/// Knowledge distillation as a training objective: the per-frame KL divergence between a teacher's posteriors and
/// the trained model's (<see cref="DistillationLoss"/>) on unlabelled chunks, validated on chunks of held-out reads
/// by the same KL and by frame agreement with the teacher, and, given a reference, by the basecall identity of the
/// held-out reads (<see cref="BasecallIdentity"/>). The teacher runs in evaluation mode, without gradient.
/// With a layer weight, the loss also matches the student's activations to the teacher's at every layer they share
/// (<see cref="LayerMatching"/>); validation stays the output's KL, the figure that compares across settings.
/// </summary>
public sealed class Distillation : ITrainingObjective, IDisposable
{
    private readonly GraphModule _teacher;
    private readonly IReadOnlyList<float[]> _training;
    private readonly IReadOnlyList<float[]> _validation;
    private readonly double _temperature;
    private readonly int _validationBatch;
    private readonly BasecallIdentity? _identity;
    private readonly double _layerWeight;
    private readonly (double Weight, int Blank) _baseFrames;
    private (ModelGraph Graph, IReadOnlyList<string> Names, HashSet<string> StudentKeep, HashSet<string> TeacherKeep)? _layers;

    /// <summary>Distils <paramref name="teacher"/> on <paramref name="training"/>, validating on <paramref name="validation"/>.</summary>
    /// <param name="teacher">The model whose posteriors are the targets (e.g. the dense model).</param>
    /// <param name="training">Chunks to train on, all of one length.</param>
    /// <param name="validation">Chunks of held-out reads.</param>
    /// <param name="temperature">Softens both posteriors (see <see cref="DistillationLoss"/>).</param>
    /// <param name="validationBatch">Chunks per forward pass when validating.</param>
    /// <param name="identity">When given, each validation also calls the held-out reads and measures their identity against a reference, and the best model is the one of highest identity.</param>
    /// <param name="layerWeight">Weight of the layer-matching term (<see cref="LayerMatching"/>) beside the output's KL; 0 distils the output alone.</param>
    /// <param name="baseFrames">The training loss's weight of a frame where the teacher calls a base, against 1 for a blank frame, and the blank's class
    /// (<see cref="DistillationLoss.Compute(Tensor, Tensor, double, double, int)"/>); null weighs every frame alike. Validation always weighs them alike, so runs compare.</param>
    public Distillation(ModelGraph teacher, IReadOnlyList<float[]> training, IReadOnlyList<float[]> validation, double temperature, int validationBatch,
        BasecallIdentity? identity = null, double layerWeight = 0, (double Weight, int Blank)? baseFrames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layerWeight);
        if (baseFrames is { } b) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b.Weight);
        _layerWeight = layerWeight;
        _baseFrames = baseFrames ?? (1, 0);
        ArgumentOutOfRangeException.ThrowIfZero(training.Count);
        ArgumentOutOfRangeException.ThrowIfZero(validation.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(validationBatch);
        (_training, _validation, _temperature, _validationBatch, _identity) = (training, validation, temperature, validationBatch, identity);
        _teacher = new GraphModule(teacher);
        _teacher.eval();
    }

    /// <inheritdoc />
    public string Name => "distillation";

    /// <inheritdoc />
    public int TrainingChunks => _training.Count;

    /// <inheritdoc />
    public int ChunkSamples => _training[0].Length;

    /// <inheritdoc />
    public Tensor Input(int[] chunks) => ChunkTensor.Signal(chunks, ChunkSamples, i => _training[i]);

    /// <inheritdoc />
    public Tensor Loss(GraphModule model, int[] chunks)
    {
        var input = Input(chunks);
        var layers = Layers(model.Graph);
        IReadOnlyDictionary<string, Tensor> teacher;
        using (no_grad()) teacher = _teacher.Values(input, layers.TeacherKeep);
        var student = model.Values(input, layers.StudentKeep);
        var output = DistillationLoss.Compute(student[model.Graph.Outputs[0].Name], teacher[_teacher.Graph.Outputs[0].Name], _temperature,
            _baseFrames.Weight, _baseFrames.Blank);
        return layers.Names.Count == 0 ? output : output + _layerWeight * LayerMatching.Compute(student, teacher, layers.Names);
    }

    /// <summary>The values a loss needs of each model: the outputs, and with a layer weight the activations both share.</summary>
    private (ModelGraph Graph, IReadOnlyList<string> Names, HashSet<string> StudentKeep, HashSet<string> TeacherKeep) Layers(ModelGraph student)
    {
        if (_layers is { } known && ReferenceEquals(known.Graph, student)) return known;
        IReadOnlyList<string> names = _layerWeight == 0 ? [] : LayerMatching.SharedActivations(student, _teacher.Graph);
        if (_layerWeight > 0 && names.Count == 0)
            throw new GraphException($"the student '{student.Name}' and the teacher '{_teacher.Graph.Name}' name no activation alike; layer matching needs a student of the teacher's architecture");
        _layers = (student, names, [.. names, student.Outputs[0].Name], [.. names, _teacher.Graph.Outputs[0].Name]);
        return _layers.Value;
    }

    /// <inheritdoc />
    public ValidationRecord Validate(GraphModule model, int step)
    {
        double loss = 0;
        long agree = 0, frames = 0;
        foreach (var indices in ChunkTensor.InOrder(_validation.Count, _validationBatch))
        {
            using var scope = NewDisposeScope();
            var input = ChunkTensor.Signal(indices, ChunkSamples, i => _validation[i]);
            var s = model.forward(input);
            var t = _teacher.forward(input);
            loss += DistillationLoss.Compute(s, t, _temperature).item<float>() * indices.Length;
            agree += s.argmax(-1).eq(t.argmax(-1)).sum().item<long>();
            frames += s.shape[0] * s.shape[1];
        }
        return new ValidationRecord(step, loss / _validation.Count, (double)agree / frames, _identity?.Measure(model));
    }

    /// <summary>
    /// Fits <paramref name="student"/>'s output offsets so that it calls each base as often as the teacher on the
    /// validation chunks (<see cref="CallRateMatching"/>): chunks of held-out reads, never trained on.
    /// </summary>
    /// <param name="student">The trained student.</param>
    /// <param name="blank">The blank's class.</param>
    public CallRateMatching MatchCallRates(ModelGraph student, int blank)
    {
        using var model = new GraphModule(student);
        model.eval();
        var (studentChunks, teacherChunks) = (new List<float[]>(_validation.Count), new List<float[]>(_validation.Count));
        var classes = 0;
        using (no_grad())
        {
            foreach (var indices in ChunkTensor.InOrder(_validation.Count, _validationBatch))
            {
                using var scope = NewDisposeScope();
                var input = ChunkTensor.Signal(indices, ChunkSamples, i => _validation[i]);
                var s = model.forward(input);
                var t = _teacher.forward(input);
                classes = (int)s.shape[^1];
                for (var i = 0; i < indices.Length; i++)
                {
                    studentChunks.Add(s[i].contiguous().data<float>().ToArray());
                    teacherChunks.Add(t[i].contiguous().data<float>().ToArray());
                }
            }
        }
        return CallRateMatching.Fit(studentChunks, teacherChunks, classes, blank);
    }

    /// <inheritdoc />
    public void Dispose() => _teacher.Dispose();
}
