using Dipper.Basecaller.Models;

namespace Dipper.Basecaller.Tests.Pipeline;

internal static class TestManifests
{
    /// <summary>The default model's settings: 1800-sample chunks, step 1200, stride 3, NACGT, 4 kHz.</summary>
    public static ModelManifest Sbonito(int samples = 1800, int overlap = 600) => new()
    {
        Name = "sbonito-test",
        Alphabet = "NACGT",
        Blank = 0,
        Stride = 3,
        Chunk = new ChunkSettings { Samples = samples, Overlap = overlap },
        Normalisation = new NormalisationSettings { Method = NormalisationMethod.MedianMad, MadScale = 1.4826, Clip = 2.5 },
        SampleRates = [4000],
        Chemistry = "R9.4.1 DNA",
        Files = new ModelFiles { Onnx = "model.onnx" },
    };
}
