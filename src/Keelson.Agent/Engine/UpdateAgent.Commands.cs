using Keelson.Agent.Host;
using Keelson.Agent.Status;
using Keelson.Disks;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Engine;

/// <summary>The control socket's commands: <c>status</c> from the last published status, the others as messages to the loop.</summary>
public sealed partial class UpdateAgent
{
    /// <summary>How long <c>keelson agent check</c> waits for the check's outcome.</summary>
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Answers a control-socket command: <c>status</c>, <c>check</c>, <c>mark-good</c>, <c>rollback</c>.</summary>
    public async Task<ControlReply> HandleCommandAsync(string command, CancellationToken cancellationToken)
    {
        EngineCommand kind;
        switch (command)
        {
            case "status":
                return new ControlReply(0, _status.Format());
            case "check":
                kind = EngineCommand.Check;
                break;
            case "mark-good":
                kind = EngineCommand.MarkGood;
                break;
            case "rollback":
                kind = EngineCommand.Rollback;
                break;
            default:
                return new ControlReply(2, $"unknown command '{command}'; the agent knows status, check, mark-good, rollback\n");
        }

        var reply = new TaskCompletionSource<ControlReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inbox.Writer.TryWrite(new EngineMessage.Command(kind, reply)))
        {
            return new ControlReply(1, "the agent is stopping\n");
        }

        try
        {
            return await reply.Task.WaitAsync(s_commandTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new ControlReply(1, $"the agent did not answer within {s_commandTimeout.TotalMinutes:0} minutes; see its log\n");
        }
    }

    private async Task HandleCommandAsync(EngineMessage.Command command, CancellationToken cancellationToken)
    {
        if (CommandPolicy.Refusal(_state, command.Kind, _config.CheckingEnabled) is { } refusal)
        {
            LogCommandRefused(Name(command.Kind), _state.Name);
            command.Reply.TrySetResult(refusal);
            return;
        }

        LogCommand(Name(command.Kind), _state.Name);
        switch (command.Kind)
        {
            case EngineCommand.Check:
                _checkWaiters.Add(command.Reply);
                if (_state is EngineState.Idle)
                {
                    StartCheck(interactive: true);
                }

                return;
            case EngineCommand.MarkGood:
                await MarkGoodByHandAsync(command.Reply, cancellationToken);
                return;
            case EngineCommand.Rollback:
                await RollbackAsync(command.Reply, cancellationToken);
                return;
        }
    }

    private static string Name(EngineCommand command) => command switch
    {
        EngineCommand.Check => "check",
        EngineCommand.MarkGood => "mark-good",
        EngineCommand.Rollback => "rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    private async Task MarkGoodByHandAsync(TaskCompletionSource<ControlReply> reply, CancellationToken cancellationToken)
    {
        try
        {
            await MarkGoodAsync(cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            reply.TrySetResult(new ControlReply(1, e.Message + "\n"));
            return;
        }

        reply.TrySetResult(new ControlReply(0, $"{_facts.Booted.Label()} ({_facts.Release.Version}) marked good: successful, top priority\n"));
        if (_state is EngineState.BootPendingVerdict)
        {
            // The verdict is in: the health checks are not waited for.
            CancelActivity();
            await SettleGoodAsync(byHand: true, mark: false, cancellationToken);
            return;
        }

        _verdict = BootVerdict.MarkedGood(_facts.Booted, _facts.Release.Version, byHand: true);
        _bootSettled.TrySetResult(true);
        Publish();
    }

    /// <summary>Makes the other slot boot next (with one try if it was never marked good) and reboots into it.</summary>
    private async Task RollbackAsync(TaskCompletionSource<ControlReply> reply, CancellationToken cancellationToken)
    {
        var target = _facts.Booted.Other();
        UsrSlot slot;
        string? version;
        try
        {
            var boot = await ReadBootStateAsync(cancellationToken);
            if (!HoldsSystem(boot[target]))
            {
                reply.TrySetResult(new ControlReply(1, $"{target.Label()} holds no bootable system (priority 0, never marked good): nothing to roll back to\n"));
                return;
            }

            slot = await SlotAsync(target, cancellationToken);
            version = await TryReadVersionAsync(slot, cancellationToken);
            await ChangeBootAsync(backend => backend.PrioritizeAsync(slot, cancellationToken), $"make {slot.Label} boot next");
        }
        catch (UpdateEngineException e)
        {
            reply.TrySetResult(new ControlReply(1, e.Message + "\n"));
            return;
        }

        // Booting the version it ran before is what a rollback looks like on the next check (3/0 errorcode 44).
        Save(s => s.WithRolledBack(_facts.Release.Version) with { PreviousVersion = version ?? s.PreviousVersion, Installed = null });
        CancelActivity();
        AnswerCheck(1, "the check was abandoned: the machine rolls back");
        reply.TrySetResult(new ControlReply(0, $"rolling back: {slot.Label}{(version is null ? "" : $" ({version})")} boots next; rebooting\n"));
        await RebootAsync(target, RebootCause.ByHand, cancellationToken);
    }

    /// <summary>Whether a slot holds a system to roll back to: anything but a slot left disabled (no priority, no tries, never good).</summary>
    private static bool HoldsSystem(SlotBootState slot) => slot.Priority > 0 || slot.Good || slot.TriesLeft > 0;

    private async Task<string?> TryReadVersionAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        try
        {
            return (await SlotFilesystem.ReadReleaseAsync(_host.DiskPath, slot.ByteOffset, cancellationToken)).Version;
        }
        catch (UpdateEngineException)
        {
            return null;
        }
    }
}
