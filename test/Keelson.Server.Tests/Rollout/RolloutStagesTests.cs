using Keelson.Server.Rollout;
using Keelson.Server.Updates;

namespace Keelson.Server.Tests.Rollout;

public sealed class RolloutStagesTests
{
    [Theory]
    [InlineData(InstanceStatus.Complete, "1.1.0", null, "1.1.0", RolloutStage.OnTarget)]
    [InlineData(InstanceStatus.Undefined, "1.2.0", null, "1.1.0", RolloutStage.OnTarget)]
    [InlineData(InstanceStatus.Undefined, "1.0.0", null, "1.1.0", RolloutStage.NotYetOffered)]
    [InlineData(InstanceStatus.Complete, "1.0.0", null, "1.10.0", RolloutStage.NotYetOffered)]
    [InlineData(InstanceStatus.Undefined, "1.0.0", null, null, RolloutStage.OnTarget)]
    [InlineData(InstanceStatus.UpdateGranted, "1.0.0", null, "1.1.0", RolloutStage.Updating)]
    [InlineData(InstanceStatus.Installed, "1.0.0", null, "1.1.0", RolloutStage.Updating)]
    [InlineData(InstanceStatus.OnHold, "1.0.0", null, "1.1.0", RolloutStage.OnHold)]
    [InlineData(InstanceStatus.OnHold, "1.0.0", 44L, "1.1.0", RolloutStage.Failed)]
    [InlineData(InstanceStatus.OnHold, "1.0.0", 10L, "1.1.0", RolloutStage.OnHold)]
    [InlineData(InstanceStatus.Error, "1.0.0", 10L, "1.1.0", RolloutStage.Failed)]
    [InlineData(InstanceStatus.Error, "1.1.0", null, "1.1.0", RolloutStage.Failed)]
    public void Every_machine_is_in_exactly_one_stage(string status, string version, long? errorCode, string? target, RolloutStage expected) =>
        Assert.Equal(expected, RolloutStages.Classify(status, version, errorCode, target));

    [Theory]
    [InlineData("rate limit: 10 of 10 updates per 1h already granted", "rate limit")]
    [InlineData("rollout ramp at 40% of the group; this machine's place is 71.2%", "rollout ramp at 40% of the group")]
    [InlineData("rolled back from 1.2.0 before; waiting for a newer release", "rolled back from 1.2.0 before")]
    [InlineData("paused by an operator", "paused by an operator")]
    [InlineData(null, "held back")]
    public void Machines_held_for_the_same_cause_count_together(string? reason, string headline) =>
        Assert.Equal(headline, RolloutStages.ReasonHeadline(reason));
}
