using System.Runtime.InteropServices;
using System.Text.Json;

namespace Dipper.Basecaller.Tests.Decoding;

/// <summary>The PyTorch reference pipeline's outputs for three real reads (tests/data/reference/sbonito).</summary>
internal static class SbonitoReference
{
    public const int Classes = 5;

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "data", "reference", "sbonito");

    public static JsonElement Read(int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")));
        return doc.RootElement.GetProperty("reads")[index].Clone();
    }

    /// <summary>The stitched whole-read log-probabilities [frames, 5] the reference decoded.</summary>
    public static float[] ReadLogProbs(int index, out int frames)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, $"read{index}.read_logprobs.f32"));
        var values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        frames = values.Length / Classes;
        return values;
    }

    public static string Calls(int index, string decoder) =>
        File.ReadAllText(Path.Combine(Folder, $"read{index}.{decoder}.txt")).Trim();
}
