using Keelson.Agent.Configuration;
using Keelson.Agent.State;
using Keelson.Coordination.Locks;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;

namespace Keelson.Agent.Engine;

/// <summary>The engine's reboots: asking the strategy (window, lock), the reboot lock, and the reboot itself (firmware or kexec).</summary>
public sealed partial class UpdateAgent
{
    /// <summary>Waits, beside the loop, until the strategy allows the reboot; the waits come to the loop as messages.</summary>
    private void StartRebootPermission(InstalledUpdate update)
    {
        var (config, server, machineId) = (_config, _server, _facts.MachineId);
        StartActivity(async (id, token) =>
        {
            using var choice = await ChooseLockAsync(config, server, id, token);
            var coordinator = new RebootCoordinator(choice.Strategy, config.RebootWindows, choice.Lock, _time, _options.LockRetry, _options.LockRetryMax);
            var held = await coordinator.WaitForPermissionAsync(machineId, wait => Post(new EngineMessage.RebootWaiting(id, wait)), token);
            return new ActivityResult.RebootAllowed(held);
        });
    }

    /// <summary>The lock the strategy needs; a lock that cannot even be set up (a bad certificate file, say) is waited out.</summary>
    private async Task<RebootLockChoice> ChooseLockAsync(UpdateConfig config, ServerConnection server, long activity, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                var choice = await RebootLockChoice.ChooseAsync(config, server.Http, cancellationToken, tls: server.Tls);
                Post(new EngineMessage.LockDecided(activity, choice.Why));
                return choice;
            }
            catch (RebootLockException e)
            {
                Post(new EngineMessage.RebootWaiting(activity, new RebootWait($"cannot set up the reboot lock: {e.Message}", backoff)));
                await Task.Delay(backoff, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMinutes(5).Ticks));
            }
        }
    }

    private void OnRebootWaiting(RebootWait wait)
    {
        if (_state is not (EngineState.UpdateInstalled or EngineState.WaitingForReboot))
        {
            return;
        }

        // Logged once per reason: a retry for the same reason (only the next try differs) is news for the status alone.
        if (_rebootWaitReason != wait.Reason)
        {
            _rebootWaitReason = wait.Reason;
            LogRebootWaiting(wait.Text);
        }

        Transition(new EngineState.WaitingForReboot(InstalledUpdateOf(_state), wait));
    }

    private async Task OnRebootAllowedAsync(InstalledUpdate update, HeldRebootLock? held, CancellationToken cancellationToken)
    {
        if (held is not null)
        {
            var slots = held.Slots.Length > 0 ? held.Slots : "the lock service does not say more";
            if (held.AlreadyHeld)
            {
                LogLockAlreadyHeld(held.Description, slots);
            }
            else
            {
                LogLockTaken(held.Description, slots);
            }

            Save(s => s with { RebootLock = held.Description, RebootLockKeptFor = null });
        }

        await RebootAsync(update.Slot, RebootCause.Installed(update), cancellationToken);
    }

    /// <summary>
    /// Reboots into <paramref name="target"/>: with kexec when configured and possible (the try counted first, as the
    /// bootloader would), otherwise through the firmware. A reboot that fails is tried again after a while.
    /// </summary>
    private async Task RebootAsync(UsrSlotName target, RebootCause cause, CancellationToken cancellationToken)
    {
        CancelActivity();
        Transition(new EngineState.Rebooting(target, cause));
        var reason = cause.Describe(target);
        LogRebooting(reason, target.Label());
        try
        {
            var slot = await SlotAsync(target, cancellationToken);
            if (_config.RebootMethod == RebootMethod.Kexec && await TryKexecAsync(slot, cancellationToken))
            {
                _rebootStarted = true;
                return;
            }

            await _host.RebootAsync(slot, reason, _config.RebootCommand, cancellationToken);
            _rebootStarted = true;
        }
        catch (UpdateEngineException e)
        {
            var failure = new EngineFailure(OmahaErrorCodes.RebootFailed, $"the reboot into {target.Label()} failed: {e.Message}");
            RecordFailure(failure);
            var retryAt = _time.GetUtcNow() + _options.RebootRetry;
            LogRebootFailed(target.Label(), failure.Code, e.Message, _options.RebootRetry.TotalSeconds);
            Transition(new EngineState.RebootFailed(target, cause, failure, retryAt));
            StartTimer(_options.RebootRetry);
        }
    }

    /// <summary>
    /// A kexec into <paramref name="slot"/>: the backend counts the try and names the kernel, the host loads and
    /// starts it. False (logged, with the try given back) when it cannot be done: the caller reboots through the firmware.
    /// </summary>
    private async Task<bool> TryKexecAsync(UsrSlot slot, CancellationToken cancellationToken)
    {
        KexecTarget? kexec = null;
        await ChangeBootAsync(async backend => kexec = await backend.CountTryAsync(slot, cancellationToken), $"count a try of {slot.Label}");
        if (kexec is null)
        {
            LogKexecUnavailable(slot.Label, $"the {_backend.Kind.Name()} boot backend does not know {slot.Label}'s kernel");
            return false;
        }

        try
        {
            await _host.KexecAsync(kexec, cancellationToken);
            return true;
        }
        catch (UpdateEngineException e)
        {
            RecordFailure(new EngineFailure(OmahaErrorCodes.KexecFailed, $"kexec into {slot.Label} failed: {e.Message}"));
            LogKexecUnavailable(slot.Label, e.Message);
            // The try was counted for a boot that did not happen: give it back, so that the bootloader boots the slot.
            await ChangeBootAsync(backend => backend.PrioritizeAsync(slot, cancellationToken), $"give {slot.Label} its try back");
            return false;
        }
    }

    /// <summary>
    /// What the strategy will do, said at start (best-effort's choice included) for the log and the status; the
    /// choice also serves to free a slot held from an earlier boot. Null when the lock cannot even be set up.
    /// </summary>
    private async Task<RebootLockChoice?> ChooseAtStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var choice = await RebootLockChoice.ChooseAsync(_config, _server.Http, cancellationToken, tls: _server.Tls);
            _decision = choice.Why;
            LogRebootDecision(choice.Why);
            return choice;
        }
        catch (RebootLockException e)
        {
            _decision = $"{_config.RebootStrategy.Name()}: the reboot lock cannot be set up: {e.Message}";
            return null;
        }
    }

    private void DisposeStartChoice()
    {
        _startChoice?.Dispose();
        _startChoice = null;
    }

    private async Task ReleaseLockAsync(RebootLockChoice? choice, CancellationToken cancellationToken)
    {
        try
        {
            if (choice is null)
            {
                throw new RebootLockException(_decision);
            }

            if (choice.Lock is { } rebootLock)
            {
                // Logged only when a slot was held: the lock service says so, or (FleetLock, which does not) this
                // machine remembers taking one. A first boot that held nothing releases nothing.
                var outcome = await rebootLock.UnlockAsync(_facts.MachineId, cancellationToken);
                if (outcome == UnlockOutcome.Released || (outcome == UnlockOutcome.Unconfirmed && _saved.RebootLock is not null))
                {
                    LogLockReleased(rebootLock.Description);
                }
            }

            Save(s => s with { RebootLock = null });
            _lockReleaseError = null;
        }
        catch (RebootLockException e)
        {
            // Tried again at the next start; the slot stays taken meanwhile, which only slows the group down.
            _lockReleaseError = e.Message;
            LogLockReleaseFailed(e.Message);
        }
    }

    /// <summary>How an operator frees this machine's slot by hand.</summary>
    private string FreeLockHint() => _config.RebootStrategy == RebootStrategy.FleetLock
        ? $"keelson reboot-lock release {_config.Locks.FleetLockGroup} {_facts.MachineId} on a keelson server, or POST /v1/steady-state for this id"
        : $"keelson lock unlock {_facts.MachineId}{(_config.Locks.EtcdGroup.Length > 0 ? $" --group {_config.Locks.EtcdGroup}" : "")}";
}
