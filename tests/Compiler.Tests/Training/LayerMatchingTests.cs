using Dipper.Basecaller.Models;
using Dipper.Compiler.Commands;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Graph.Operations;
using Dipper.Compiler.Passes;
using Dipper.Compiler.Passes.Compression;
using Dipper.Compiler.Passes.Widening;
using Dipper.Compiler.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public sealed class LayerMatchingTests : IClassFixture<CompressedStudents>, IDisposable
{
    private readonly CompressedStudents _students;
    private readonly ITestOutputHelper _log;
    private readonly string _folder = Directory.CreateTempSubdirectory("dipper-layer-matching-").FullName;

    public LayerMatchingTests(CompressedStudents students, ITestOutputHelper log)
    {
        (_students, _log) = (students, log);
        TorchRuntime.Start(threads: 2);
    }

    [Fact]
    public async Task A_dsf_student_shares_every_block_activation_of_the_dense_teacher_and_none_of_its_factor_outputs()
    {
        var student = (await ModelSource.LoadAsync(_students.Package(CompressionMethod.Dsf), CancellationToken.None)).Graph;
        var teacher = TrainingChunks.Unfolded;

        var shared = LayerMatching.SharedActivations(student, teacher);

        var teacherActivations = teacher.Nodes.Where(n => n.Operation is Swish or Add && n.Output != teacher.Outputs[0].Name).Select(n => n.Output).ToHashSet();
        _log.WriteLine($"{shared.Count} shared of the teacher's {teacherActivations.Count} activations and residual sums");
        Assert.Equal(teacherActivations.Order(), shared.Order());
        var factorOutputs = student.Nodes.Where(n => n.Operation is Conv1d && n.Name.Contains("factor_")).Select(n => n.Output).ToList();
        Assert.NotEmpty(factorOutputs);
        Assert.DoesNotContain(shared, factorOutputs.Contains);
    }

    [Fact]
    public void A_widened_student_shares_no_activation_of_the_teachers_shape_and_every_one_it_names_alike_is_left_out()
    {
        var teacher = TrainingChunks.Unfolded;
        var student = ModelWidening.Apply(FoldBatchNorm.Apply(teacher), new WideningOptions { Channels = 96 }).Graph;

        var teacherActivations = teacher.Nodes.Where(n => n.Operation is Swish or Add && n.Output != teacher.Outputs[0].Name).Select(n => n.Output).Order();
        Assert.Empty(LayerMatching.SharedActivations(student, teacher));
        Assert.Equal(teacherActivations, LayerMatching.ActivationsOfOtherShape(student, teacher).Order());
        Assert.Empty(LayerMatching.ActivationsOfOtherShape(teacher, teacher));
    }

    [Fact]
    public void The_layer_error_is_zero_for_the_teacher_itself_and_one_for_a_student_whose_layers_are_silent()
    {
        using var scope = torch.NewDisposeScope();
        var teacher = new Dictionary<string, torch.Tensor>
        {
            ["a"] = torch.tensor(new[] { 1f, -2f, 3f }, [1, 1, 3]),
            ["b"] = torch.tensor(new[] { 100f, 0f }, [1, 2, 1]),
        };
        var silent = teacher.ToDictionary(t => t.Key, t => torch.zeros_like(t.Value));
        var halfWay = teacher.ToDictionary(t => t.Key, t => t.Value / 2);

        Assert.Equal(0f, LayerMatching.Compute(teacher, teacher, ["a", "b"]).item<float>());
        Assert.Equal(1f, LayerMatching.Compute(silent, teacher, ["a", "b"]).item<float>(), 1e-6);
        // Normalised per layer: a layer of large activations weighs no more than one of small.
        Assert.Equal(0.25f, LayerMatching.Compute(halfWay, teacher, ["a", "b"]).item<float>(), 1e-6);
    }

    [Fact]
    public void Layers_of_different_shapes_are_refused_by_name()
    {
        using var scope = torch.NewDisposeScope();
        var student = new Dictionary<string, torch.Tensor> { ["e.encoder.1.conv.2.image"] = torch.zeros(1, 80, 10) };
        var teacher = new Dictionary<string, torch.Tensor> { ["e.encoder.1.conv.2.image"] = torch.zeros(1, 40, 10) };

        var error = Assert.Throws<GraphException>(() => LayerMatching.Compute(student, teacher, ["e.encoder.1.conv.2.image"]));
        Assert.Contains("e.encoder.1.conv.2.image", error.Message);
    }

    [Fact]
    public async Task Twelve_steps_with_layer_matching_bring_a_pruned_students_layers_closer_to_the_teacher_than_the_output_alone()
    {
        var start = FoldBatchNorm.Apply((await ModelSource.LoadAsync(_students.Package(CompressionMethod.Magnitude), CancellationToken.None)).Graph);

        var before = LayerError(start);
        var outputAlone = LayerError(Train(start, layerWeight: 0));
        var matched = LayerError(Train(start, layerWeight: 1));

        _log.WriteLine($"layer error on the chunks: {before:g4} before; after 12 steps {outputAlone:g4} with the output's KL alone, {matched:g4} with layer matching");
        Assert.True(matched < before, $"layer error {before} → {matched}");
        Assert.True(matched < outputAlone, $"layer matching left a layer error of {matched}, the output alone {outputAlone}");
    }

    /// <summary>Twelve steps through the product's loop, trained and validated on the same few chunks, so the kept student is the trained one.</summary>
    private ModelGraph Train(ModelGraph start, double layerWeight)
    {
        var chunks = TrainingChunks.Chunks;
        using var distillation = new Distillation(TrainingChunks.Unfolded, chunks, chunks, temperature: 1, validationBatch: chunks.Length, layerWeight: layerWeight);
        var output = new StringWriter();
        var result = TrainingLoop.Run(start, distillation,
            new TrainingOptions { Steps = 12, Batch = chunks.Length, LearningRate = 1e-4, ValidateEvery = 12 }, output, TextWriter.Null, terminal: false, CancellationToken.None);
        _log.WriteLine(output.ToString());
        Assert.Equal(12, result.BestStep);
        return result.Best;
    }

    [Fact]
    public async Task Finetune_with_match_layers_records_the_loss_in_the_package_and_keeps_every_zero()
    {
        var studentFolder = _students.Package(CompressionMethod.Dsf);
        var packageFolder = Path.Combine(_folder, "matched");
        var request = new FinetuneCommand.Request(studentFolder, TestData.PackageFolder, [TestData.Reads], packageFolder, Steps: 4, LearningRate: 1e-5, Batch: 4,
            Threads: 2, CheckpointEvery: 0, ValidateEvery: 4, ChunksPerRead: 2, ValidationEvery: 3, MatchLayers: 0.5);
        var (code, _, _) = await FinetuneRun.RunAsync(request, _log);

        Assert.Equal(0, code);
        var loss = ModelPackage.Load(packageFolder).Manifest.Provenance["finetune"].GetProperty("loss").GetString();
        Assert.Contains("0.5 × mean normalised squared error of the shared activations", loss);
        await TrainedWeights.ZerosKeptAndOthersTrainedAsync(studentFolder, packageFolder, "the DSF student trained with layer matching", changedAtLeast: 0);
    }

    private static double LayerError(ModelGraph student)
    {
        using var scope = torch.NewDisposeScope();
        using var module = new GraphModule(student);
        using var teacher = new GraphModule(TrainingChunks.Unfolded);
        module.eval();
        teacher.eval();
        using var noGrad = torch.no_grad();
        var names = LayerMatching.SharedActivations(student, TrainingChunks.Unfolded);
        var input = ChunkTensor.Signal(Enumerable.Range(0, TrainingChunks.Count).ToArray(), TrainingChunks.Chunks[0].Length, i => TrainingChunks.Chunks[i]);
        return LayerMatching.Compute(module.Values(input, names.ToHashSet()), teacher.Values(input, names.ToHashSet()), names).item<float>();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
