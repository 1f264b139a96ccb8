using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Disks;

namespace Keelson.Agent.Engine;

/// <summary>
/// Which command each state accepts, in one place; a refusal carries the exit code and the words
/// <c>keelson agent ...</c> prints. Accepted commands are carried out by the engine's loop.
/// </summary>
public static class CommandPolicy
{
    /// <summary>Null when <paramref name="state"/> accepts <paramref name="command"/>; otherwise the answer that refuses it.</summary>
    public static ControlReply? Refusal(EngineState state, EngineCommand command, bool checkingEnabled)
    {
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            EngineCommand.Check => CheckRefusal(state, checkingEnabled),
            EngineCommand.MarkGood => state switch
            {
                EngineState.Starting => new ControlReply(1, "the agent is starting; mark good once it has read the boot state\n"),
                EngineState.Installing => new ControlReply(1, "the passive slot is being written; mark good once the install is done\n"),
                EngineState.Rebooting => new ControlReply(1, "the machine is rebooting\n"),
                _ => null,
            },
            EngineCommand.Rollback => state switch
            {
                EngineState.BootPendingVerdict or EngineState.Idle or EngineState.Checking => null,
                EngineState.Downloading or EngineState.Installing or EngineState.ReportingError =>
                    new ControlReply(1, $"an update is being installed ({AgentStatus.WireName(state.Operation)}); roll back once it is done\n"),
                EngineState.UpdateInstalled { Update: var installed } => NothingBefore(installed),
                EngineState.WaitingForReboot { Update: var waiting } => NothingBefore(waiting),
                EngineState.Rebooting or EngineState.RebootFailed => new ControlReply(1, "the machine is rebooting\n"),
                _ => new ControlReply(1, "the agent is starting; roll back once it has read the boot state\n"),
            },
            _ => new ControlReply(2, $"unknown command {command}\n"),
        };
    }

    private static ControlReply NothingBefore(InstalledUpdate update) => new(
        1, $"the update to {update.Version} is installed in {update.Slot.Label()} and boots next; a rollback would boot it, so there is nothing to roll back to before that reboot\n");

    private static ControlReply? CheckRefusal(EngineState state, bool checkingEnabled)
    {
        if (!checkingEnabled)
        {
            return new ControlReply(1, "checking is disabled (SERVER=disabled)\n");
        }

        return state switch
        {
            EngineState.Idle or EngineState.Checking => null,
            EngineState.BootPendingVerdict pending => new ControlReply(0, $"not checking now: the boot of {pending.Version} waits for its health checks\n"),
            _ => new ControlReply(0, $"not checking now: the agent is busy ({AgentStatus.WireName(state.Operation)}{VersionOf(state)})\n"),
        };
    }

    private static string VersionOf(EngineState state) => state switch
    {
        EngineState.Downloading d => " " + d.Offer.Version,
        EngineState.Installing i => " " + i.Offer.Version,
        EngineState.ReportingError r => " " + r.Offer.Version,
        EngineState.UpdateInstalled u => " " + u.Update.Version,
        EngineState.WaitingForReboot w => " " + w.Update.Version,
        EngineState.Rebooting { Cause.Update: { } update } => " " + update.Version,
        EngineState.RebootFailed { Cause.Update: { } update } => " " + update.Version,
        _ => "",
    };
}
