using Keelson.Agent.Status;

namespace Keelson.Agent.Tests.Status;

public sealed class AgentStatusTests
{
    [Fact]
    public void Status_prints_in_update_engine_clients_format_first()
    {
        var status = new AgentStatus(DateTimeOffset.FromUnixTimeSeconds(1453397346), 0.5, UpdateStatus.Downloading, "1.1.0", 382137917,
            [new("STRATEGY", "reboot"), new("BOOTED_SLOT", "USR-A")]);

        Assert.Equal(
            "LAST_CHECKED_TIME=1453397346\nPROGRESS=0.500000\nCURRENT_OP=UPDATE_STATUS_DOWNLOADING\nNEW_VERSION=1.1.0\nNEW_SIZE=382137917\n"
            + "KEELSON_STRATEGY=reboot\nKEELSON_BOOTED_SLOT=USR-A\n",
            status.Format());
    }

    [Fact]
    public void A_fresh_agent_reports_idle_like_update_engine()
    {
        Assert.Equal(
            "LAST_CHECKED_TIME=0\nPROGRESS=0.000000\nCURRENT_OP=UPDATE_STATUS_IDLE\nNEW_VERSION=0.0.0.0\nNEW_SIZE=0\n",
            AgentStatus.Initial.Format());
    }

    [Fact]
    public void Status_reads_back_what_it_printed()
    {
        var status = new AgentStatus(DateTimeOffset.FromUnixTimeSeconds(1700000000), 1, UpdateStatus.UpdatedNeedReboot, "2.0.0", 42, [new("ERROR", "none")]);

        var parsed = AgentStatus.Parse(status.Format());

        Assert.Equal(status.Format(), parsed.Format());
    }

    [Theory]
    [InlineData(UpdateStatus.Idle, "UPDATE_STATUS_IDLE")]
    [InlineData(UpdateStatus.CheckingForUpdate, "UPDATE_STATUS_CHECKING_FOR_UPDATE")]
    [InlineData(UpdateStatus.UpdateAvailable, "UPDATE_STATUS_UPDATE_AVAILABLE")]
    [InlineData(UpdateStatus.Verifying, "UPDATE_STATUS_VERIFYING")]
    [InlineData(UpdateStatus.Finalizing, "UPDATE_STATUS_FINALIZING")]
    [InlineData(UpdateStatus.UpdatedNeedReboot, "UPDATE_STATUS_UPDATED_NEED_REBOOT")]
    [InlineData(UpdateStatus.ReportingErrorEvent, "UPDATE_STATUS_REPORTING_ERROR_EVENT")]
    public void States_have_update_engines_names(UpdateStatus status, string name) => Assert.Equal(name, AgentStatus.WireName(status));
}
