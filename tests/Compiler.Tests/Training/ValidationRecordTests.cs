using Dipper.Compiler.Training;

namespace Dipper.Compiler.Tests.Training;

public class ValidationRecordTests
{
    [Fact]
    public void Identity_decides_which_validation_is_better_when_both_have_one_and_the_loss_decides_otherwise()
    {
        var lowLossLowIdentity = new ValidationRecord(1, Loss: 0.2, FrameAgreement: 0.9, Identity: 0.80);
        var highLossHighIdentity = new ValidationRecord(2, Loss: 0.3, FrameAgreement: 0.8, Identity: 0.85);

        Assert.True(highLossHighIdentity.IsBetterThan(lowLossLowIdentity));
        Assert.False(lowLossLowIdentity.IsBetterThan(highLossHighIdentity));
        // Without identity (no --reference), or when it ties (no held-out read mapped), the lower loss is better.
        Assert.True((lowLossLowIdentity with { Identity = null }).IsBetterThan(highLossHighIdentity with { Identity = null }));
        Assert.True(lowLossLowIdentity.IsBetterThan(highLossHighIdentity with { Identity = 0.80 }));
        Assert.False(highLossHighIdentity.IsBetterThan(highLossHighIdentity));
    }

    [Fact]
    public void The_log_line_names_what_was_measured()
    {
        Assert.Equal("validation at step 4: loss 0.2500 (best so far)", new ValidationRecord(4, 0.25).Describe("best so far"));
        Assert.Equal("validation at step 4: loss 0.2500, frame agreement with the teacher 75.00 %, basecall identity 88.10 % (before training)",
            new ValidationRecord(4, 0.25, 0.75, 0.881).Describe("before training"));
    }
}
