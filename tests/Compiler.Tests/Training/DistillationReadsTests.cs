using Dipper.Basecaller.Models;
using Dipper.Basecaller.Signal;
using Dipper.Compiler.Training;

namespace Dipper.Compiler.Tests.Training;

[Collection(LibTorchCollection.Name)]
public class DistillationReadsTests
{
    private static readonly ModelManifest Manifest = ModelPackage.Load(TestData.PackageFolder).Manifest;

    [Fact]
    public async Task Held_out_reads_are_chosen_by_read_id_whatever_the_file_order_and_none_of_their_chunks_is_trained_on()
    {
        var files = Directory.GetFiles(TestData.Reads, "*.fast5").Order().ToArray();

        var forward = await DistillationReads.LoadAsync(files, Manifest, chunksPerRead: 3, validationEvery: 3, keepHeldOutReads: true, CancellationToken.None);
        var backward = await DistillationReads.LoadAsync(files.Reverse(), Manifest, chunksPerRead: 3, validationEvery: 3, keepHeldOutReads: false, CancellationToken.None);

        var ids = new List<string>();
        foreach (var file in files)
        {
            await using var reader = SignalFile.Open(file);
            await foreach (var read in reader.ReadAllAsync()) ids.Add(read.ReadId);
        }
        Assert.Equal(ids.Where(id => HeldOutReads.Contains(id, 3)).Order(), forward.ValidationReads.Order());
        Assert.Equal(ids.Where(id => !HeldOutReads.Contains(id, 3)).Order(), forward.TrainingReads.Order());
        Assert.NotEmpty(forward.ValidationReads);
        Assert.NotEmpty(forward.TrainingReads);
        Assert.Equal(forward.ValidationReads.Order(), backward.ValidationReads.Order());
        // Kept whole when asked (to be called at validations), and only then.
        Assert.Equal(forward.ValidationReads.Order(), forward.HeldOutSignals.Select(r => r.ReadId).Order());
        Assert.Empty(backward.HeldOutSignals);
        var validationChunks = forward.Validation.Select(c => Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan()))).ToHashSet();
        Assert.DoesNotContain(forward.Training, c => validationChunks.Contains(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan()))));
        Assert.Equal(files.Length, forward.Files.Count);
    }

    [Fact]
    public void The_chunk_order_depends_on_the_seed_and_the_step_alone_and_each_epoch_visits_every_chunk()
    {
        var first = new ChunkOrder(chunks: 7, seed: 1);
        var second = new ChunkOrder(chunks: 7, seed: 1);

        var epoch = Enumerable.Range(0, 7).SelectMany(s => first.Step(s, 1)).ToArray();
        Assert.Equal(Enumerable.Range(0, 7), epoch.Order());
        Assert.Equal(first.Step(12, 3), second.Step(12, 3));
        Assert.NotEqual(Enumerable.Range(0, 10).SelectMany(s => new ChunkOrder(7, 2).Step(s, 3)), Enumerable.Range(0, 10).SelectMany(s => first.Step(s, 3)));
    }
}
