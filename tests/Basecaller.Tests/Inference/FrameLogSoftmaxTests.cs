using Dipper.Basecaller.Inference;

namespace Dipper.Basecaller.Tests.Inference;

public sealed class FrameLogSoftmaxTests
{
    [Fact]
    public void Each_frame_becomes_log_probabilities_with_the_scores_differences_kept()
    {
        float[] frames = [2f, 1f, 0f, -1f, /* next frame */ 0.5f, 0.5f, 0.5f, 0.5f];
        FrameLogSoftmax.Apply(frames, classes: 4);

        var log = Math.Log(Math.Exp(2) + Math.Exp(1) + 1 + Math.Exp(-1));
        double[] expected = [2 - log, 1 - log, -log, -1 - log];
        for (var c = 0; c < 4; c++) Assert.Equal(expected[c], frames[c], 1e-6);
        Assert.All(frames[4..], v => Assert.Equal(Math.Log(0.25), v, 1e-6));
    }

    [Fact]
    public void Large_scores_do_not_overflow()
    {
        float[] frame = [1000f, 999f];
        FrameLogSoftmax.Apply(frame, classes: 2);
        Assert.Equal(-Math.Log(1 + Math.Exp(-1)), frame[0], 1e-5);
        Assert.Equal(-1 - Math.Log(1 + Math.Exp(-1)), frame[1], 1e-5);
    }

    [Fact]
    public void Values_that_are_not_whole_frames_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => FrameLogSoftmax.Apply(new float[7], classes: 5));
        Assert.Contains("7 values are not whole frames of 5 classes", e.Message);
    }
}
