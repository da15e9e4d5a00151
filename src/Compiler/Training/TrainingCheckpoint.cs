using System.Text.Json;
using Dipper.Compiler.Export;
using Dipper.Compiler.Graph;
using Dipper.Compiler.Import;
using TorchSharp;

namespace Dipper.Compiler.Training;

/// <summary>
/// Where a training run stands, in one file beside the output: the step, the losses and validations so far,
/// the model's weights, Adam's moments and the best model yet. The chunk order depends on the step alone, so
/// the step is the data position. The file is written under a temporary name and renamed over the old one, so a
/// kill at any moment leaves either the previous checkpoint or the new one, never a torn one.
/// </summary>
public sealed class TrainingCheckpoint
{
    private const string Magic = "dipper-training-checkpoint-1";

    /// <summary>The run's state apart from the tensors.</summary>
    /// <param name="Model">The trained graph's name (a checkpoint of another model is refused).</param>
    /// <param name="TrainingChunks">Chunks trained on (the data must be the same to resume).</param>
    /// <param name="Batch">Chunks per step.</param>
    /// <param name="Step">Steps done.</param>
    /// <param name="FirstLoss">Training loss of step 1.</param>
    /// <param name="LastLoss">Training loss of the last step done.</param>
    /// <param name="BestStep">Step of the best validation.</param>
    /// <param name="Validations">Validations so far.</param>
    /// <param name="Seconds">Training time so far.</param>
    public sealed record State(string Model, int TrainingChunks, int Batch, int Step, double FirstLoss, double LastLoss, int BestStep,
        List<ValidationRecord> Validations, double Seconds)
    {
        /// <summary>The objective's name (<see cref="ITrainingObjective.Name"/>); null in checkpoints written before there were two (distillation).</summary>
        public string? Objective { get; init; }

        /// <summary>Steps computed again because libtorch returned non-finite gradients for a finite loss (<see cref="GradientCheck"/>).</summary>
        public int RecomputedSteps { get; init; }
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, State state, GraphModule model, TorchSharp.Modules.OptimizerHelper optimizer, ModelGraph best)
    {
        var temporary = $"{path}.tmp-{Environment.ProcessId}";
        var optimizerFile = $"{path}.adam-{Environment.ProcessId}";
        try
        {
            optimizer.save_state_dict(optimizerFile);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(JsonSerializer.Serialize(state));
                    WriteBlock(writer, File.ReadAllBytes(optimizerFile));
                    WriteBlock(writer, OnnxExporter.Export(best));
                    model.save(writer);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(optimizerFile);
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>; returns its state and the best model.</summary>
    /// <exception cref="InvalidDataException">The file is not a training checkpoint.</exception>
    public static (State State, ModelGraph Best) Read(string path, GraphModule model, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        var optimizerFile = $"{path}.adam-{Environment.ProcessId}";
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            if (reader.ReadString() != Magic) throw new InvalidDataException($"{path}: not a dipper training checkpoint");
            var state = JsonSerializer.Deserialize<State>(reader.ReadString()) ?? throw new InvalidDataException($"{path}: no state");
            File.WriteAllBytes(optimizerFile, ReadBlock(reader));
            var best = OnnxImporter.Import(ReadBlock(reader), Path.GetFileName(path));
            model.load(reader);
            optimizer.load_state_dict(optimizerFile);
            return (state, best);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the checkpoint is truncated");
        }
        finally
        {
            File.Delete(optimizerFile);
        }
    }

    private static void WriteBlock(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBlock(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        return bytes;
    }
}
