using Keelson.Agent.Engine;
using Keelson.Agent.Status;

namespace Keelson.Agent.Tests.Engine;

/// <summary>Every command in every state: accepted (null) or refused with the exit code and the words the CLI prints.</summary>
public sealed class CommandPolicyTests
{
    private const string Busy = "not checking now: the agent is busy";

    [Theory]
    // state kind, check, mark-good, rollback ("" accepted; otherwise the exit code and the start of the text)
    [InlineData(EngineStateKind.Starting, "0 " + Busy + " (UPDATE_STATUS_IDLE)", "1 the agent is starting", "1 the agent is starting")]
    [InlineData(EngineStateKind.BootPendingVerdict, "0 not checking now: the boot of 1.0.0 waits for its health checks", "", "")]
    [InlineData(EngineStateKind.Idle, "", "", "")]
    [InlineData(EngineStateKind.Checking, "", "", "")]
    [InlineData(EngineStateKind.Downloading, "0 " + Busy + " (UPDATE_STATUS_DOWNLOADING 1.1.0)", "", "1 an update is being installed (UPDATE_STATUS_DOWNLOADING)")]
    [InlineData(EngineStateKind.Installing, "0 " + Busy + " (UPDATE_STATUS_VERIFYING 1.1.0)", "1 the passive slot is being written", "1 an update is being installed (UPDATE_STATUS_VERIFYING)")]
    [InlineData(EngineStateKind.ReportingError, "0 " + Busy + " (UPDATE_STATUS_REPORTING_ERROR_EVENT 1.1.0)", "", "1 an update is being installed")]
    [InlineData(EngineStateKind.UpdateInstalled, "0 " + Busy + " (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)", "", "1 the update to 1.1.0 is installed in USR-B and boots next")]
    [InlineData(EngineStateKind.WaitingForReboot, "0 " + Busy + " (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)", "", "1 the update to 1.1.0 is installed in USR-B and boots next")]
    [InlineData(EngineStateKind.Rebooting, "0 " + Busy + " (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)", "1 the machine is rebooting", "1 the machine is rebooting")]
    [InlineData(EngineStateKind.RebootFailed, "0 " + Busy + " (UPDATE_STATUS_UPDATED_NEED_REBOOT 1.1.0)", "", "1 the machine is rebooting")]
    public void Each_state_accepts_or_refuses_each_command(EngineStateKind kind, string check, string markGood, string rollback)
    {
        var state = EngineTransitionsTests.OneOfEach.Single(s => s.Kind == kind);

        AssertDecision(check, CommandPolicy.Refusal(state, EngineCommand.Check, checkingEnabled: true));
        AssertDecision(markGood, CommandPolicy.Refusal(state, EngineCommand.MarkGood, checkingEnabled: true));
        AssertDecision(rollback, CommandPolicy.Refusal(state, EngineCommand.Rollback, checkingEnabled: true));
    }

    [Fact]
    public void Check_is_refused_in_every_state_when_checking_is_disabled()
    {
        Assert.All(EngineTransitionsTests.OneOfEach, state => Assert.Equal(
            new ControlReply(1, "checking is disabled (SERVER=disabled)\n"), CommandPolicy.Refusal(state, EngineCommand.Check, checkingEnabled: false)));
    }

    private static void AssertDecision(string expected, ControlReply? refusal)
    {
        if (expected.Length == 0)
        {
            Assert.Null(refusal);
            return;
        }

        Assert.NotNull(refusal);
        Assert.Equal(int.Parse(expected[..1], System.Globalization.CultureInfo.InvariantCulture), refusal.ExitCode);
        Assert.StartsWith(expected[2..], refusal.Text, StringComparison.Ordinal);
        Assert.EndsWith("\n", refusal.Text, StringComparison.Ordinal);
    }
}
