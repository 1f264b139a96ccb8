using System.Globalization;
using System.Runtime.InteropServices;
using Keelson.Agent.Configuration;
using Keelson.Agent.Download;
using Keelson.Agent.Host;
using Keelson.Agent.Install;
using Keelson.Agent.Omaha;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Coordination.Locks;
using Keelson.Disks;
using Keelson.Omaha;
using Keelson.Payloads;
using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Engine;

/// <summary>
/// The update engine of one machine - CoreOS' update_engine done in Keelson. After a boot it checks the new
/// system's health and marks the boot good (or reboots so the bootloader falls back); then it checks for updates
/// on update_engine's schedule, downloads an offer with resume, installs it into the passive slot, reports every
/// step to the server as Omaha events, and reboots as the reboot strategy allows.
/// </summary>
/// <remarks>
/// One loop owns the update; the control socket's commands (status, check, mark-good, rollback) and SIGHUP talk to
/// it through <see cref="_wake"/>. Disk changes and state saves happen under <see cref="_gate"/>.
/// </remarks>
public sealed partial class UpdateAgent
{
    private readonly AgentOptions _options;
    private readonly IMachineHost _host;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AgentStateStore _store;
    private readonly CheckSchedule _schedule;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource<bool> _bootSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstCheckDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private UpdateConfig _config = null!;
    private IReadOnlyList<PayloadPublicKey> _keys = [];
    private AgentState _state = AgentState.Empty;
    private MachineFacts _facts = null!;
    private AgentStatus _status = AgentStatus.Initial;
    private DateTimeOffset? _nextCheck;
    private DateTimeOffset? _stoppedAt;
    private string _lastError = "";
    private string _boot = "";
    private string _reboot = "";
    private string? _rebootWaitReason;
    private string _decision = "";
    private TaskCompletionSource<string>? _checkRequest;
    private UsrSlot? _manualReboot;
    private CancellationTokenSource _rebootWait = new();
    private long _lastProgressPublish;

    public UpdateAgent(AgentOptions options, IMachineHost host, HttpClient http, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _host = host;
        _http = http;
        _time = time;
        _logger = logger;
        _store = new AgentStateStore(options.StateDirectory);
        _schedule = new CheckSchedule(options.CheckInterval, options.FirstCheckDelay, new Random());
    }

    /// <summary>The agent's status as <c>keelson agent status</c> prints it.</summary>
    public AgentStatus Status => _status;

    /// <summary>Completes when this boot has been settled: true once it is marked good, false when it was found unhealthy.</summary>
    public Task<bool> BootSettled => _bootSettled.Task;

    /// <summary>
    /// Completes when this boot's first update check, and the update it started if any, are over (installed, failed
    /// and reported, or nothing to do); at once when checking is disabled or an installed update waits for a reboot.
    /// </summary>
    public Task FirstCheckDone => _firstCheckDone.Task;

    /// <summary>The version the booted slot runs (known once <see cref="RunAsync"/> has started).</summary>
    public string RunningVersion => _facts?.Release.Version ?? "";

    /// <summary>Runs until stopped or until it starts a reboot.</summary>
    /// <exception cref="UpdateConfigException">The configuration is invalid (at start-up; a bad reload keeps the last good one).</exception>
    /// <exception cref="UpdateEngineException">The machine cannot be read (its disk, identity or booted slot).</exception>
    public async Task<AgentExit> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunUntilStoppedAsync(cancellationToken);
        }
        finally
        {
            if (_facts is not null)
            {
                // The last status says when the agent stopped, for keelson agent status to show without it.
                _stoppedAt = _time.GetUtcNow();
                Publish(_status.CurrentOperation);
            }
        }
    }

    private async Task<AgentExit> RunUntilStoppedAsync(CancellationToken cancellationToken)
    {
        // Registered first, so that a SIGHUP never finds the default action (ending the process) in place.
        using var hangup = _options.ReloadOnSighup ? PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Reload();
        }) : null;
        (_config, _keys) = LoadConfig();
        _state = _store.Load();
        _facts = await _host.ReadFactsAsync(cancellationToken);
        LogStarted(_facts.Booted.Label(), _facts.Release.Version, _config.Group, _config.Server?.ToString() ?? "disabled", _config.RebootStrategy.Name());
        if (_state.AlephVersion is null)
        {
            await SaveAsync(s => s with { AlephVersion = _facts.Release.Version });
        }

        await using var socket = _options.ControlSocket ? ListenForCommands() : null;
        Publish(UpdateStatus.Idle);

        UsrSlot? fallback;
        using (var start = await ChooseAtStartAsync(cancellationToken))
        {
            fallback = await SettleBootAsync(start, cancellationToken);
        }

        if (fallback is not null)
        {
            await RebootAsync(fallback, $"the boot of {_facts.Release.Version} is unhealthy; falling back to {fallback.Name.Label()}", cancellationToken);
            return AgentExit.Rebooting;
        }

        if (_state.Installed is { } installed && await IsStillInstalledAsync(installed, cancellationToken))
        {
            LogPendingReboot(installed.Version, installed.Slot.Label());
            _firstCheckDone.TrySetResult();
            return await RebootPhaseAsync(cancellationToken);
        }

        _nextCheck = _time.GetUtcNow() + _schedule.First();
        while (true)
        {
            Publish(UpdateStatus.Idle);
            if (!_config.CheckingEnabled)
            {
                _firstCheckDone.TrySetResult();
            }

            await WaitAsync(_config.CheckingEnabled ? _nextCheck.Value - _time.GetUtcNow() : Timeout.InfiniteTimeSpan, cancellationToken);
            if (_manualReboot is { } target)
            {
                await RebootAsync(target, $"rolling back to {target.Name.Label()} by hand", cancellationToken);
                return AgentExit.Rebooting;
            }

            var request = Interlocked.Exchange(ref _checkRequest, null);
            if (!_config.CheckingEnabled || (request is null && _time.GetUtcNow() < _nextCheck))
            {
                request?.TrySetResult("checking is disabled (SERVER=disabled)");
                continue;
            }

            var (installedNow, next) = await CheckAndUpdateAsync(request, cancellationToken);
            _firstCheckDone.TrySetResult();
            if (installedNow)
            {
                return await RebootPhaseAsync(cancellationToken);
            }

            _nextCheck = _time.GetUtcNow() + next;
        }
    }

    /// <summary>The control socket; without one (a path too long for a Unix socket, say) the agent still updates, and says so.</summary>
    private ControlSocket? ListenForCommands()
    {
        try
        {
            return ControlSocket.Listen(_store.SocketPath, HandleCommandAsync);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            LogNoControlSocket(_store.SocketPath, e.Message);
            return null;
        }
    }

    /// <summary>Re-reads the configuration (SIGHUP); a bad file is logged and the last good configuration kept.</summary>
    public void Reload()
    {
        try
        {
            (_config, _keys) = LoadConfig();
            LogReloaded(_config.Group, _config.Server?.ToString() ?? "disabled", _config.RebootStrategy.Name());
        }
        catch (Exception e) when (e is UpdateConfigException or UpdateEngineException)
        {
            LogReloadFailed(e.Message);
            return;
        }

        _rebootWait.Cancel();
        _wake.Release();
    }

    private (UpdateConfig, IReadOnlyList<PayloadPublicKey>) LoadConfig()
    {
        var config = UpdateConfigReader.Read(_options.ConfigPaths, _options.RequiredConfigPaths);
        if (config.CheckingEnabled && config.TrustedKeys.Count == 0)
        {
            throw new UpdateConfigException(
                $"KEELSON_TRUSTED_KEYS is not set in {string.Join(", ", config.Sources)}: updates cannot be verified without a trusted public key");
        }

        var keys = new List<PayloadPublicKey>();
        foreach (var path in config.TrustedKeys)
        {
            try
            {
                keys.Add(PayloadPublicKey.Load(path));
            }
            catch (PayloadException e)
            {
                throw new UpdateConfigException($"KEELSON_TRUSTED_KEYS: {e.Message}");
            }
        }

        return (config, keys);
    }

    // ---- After a boot -------------------------------------------------------------------------------------------

    /// <summary>
    /// Settles the boot: an update that did not come up is recorded as rolled back; a slot on its trial boot
    /// (not yet successful) has its health checked, then is marked good - or the slot to fall back to is returned.
    /// </summary>
    /// <param name="start">The reboot lock as the strategy chose it at start (null when it could not be set up), for releasing a held slot.</param>
    private async Task<UsrSlot?> SettleBootAsync(RebootLockChoice? start, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        var rolledBack = false;
        if (_state.Installed is { } installed && installed.BootId != _facts.BootId && installed.Slot != _facts.Booted)
        {
            // The machine rebooted but is not running the update: its slot was tried and not kept.
            LogRolledBack(installed.Version, _facts.Booted.Label(), running);
            rolledBack = true;
            await SaveAsync(s => s.WithRolledBack(installed.Version) with { Installed = null });
        }

        var (booted, other) = await ReadSlotsAsync(cancellationToken);
        if (booted.Successful)
        {
            await BootIsGoodAsync(rolledBack, start, cancellationToken);
            return null;
        }

        _boot = $"trial boot of {booted.Label} ({running}): health checks in {_options.HealthCheckDelay.TotalSeconds:0} s";
        Publish(_status.CurrentOperation);
        await Task.Delay(_options.HealthCheckDelay, _time, cancellationToken);
        var configured = await HealthChecks.RunAsync(_config.HealthChecks, _options.HealthCheckTimeout, cancellationToken);
        var own = await _host.CheckOwnHealthAsync(_facts, cancellationToken);
        var report = new HealthReport([.. configured.Failures, .. own.Failures]);
        if (report.Healthy)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await MarkGoodLockedAsync(cancellationToken);
            }
            finally
            {
                _gate.Release();
            }

            await BootIsGoodAsync(rolledBack, start, cancellationToken);
            return null;
        }

        LogUnhealthy(running, booted.Label, report.ToString());
        _boot = $"{booted.Label} ({running}) failed its health checks: {report}";
        _lastError = _boot;
        await SaveAsync(s => s.WithRolledBack(running));
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, OmahaErrorCodes.UnhealthyBoot, null), cancellationToken);
        _bootSettled.TrySetResult(false);
        if (other.Priority > 0 && (other.Successful || other.Tries > 0))
        {
            return other;
        }

        // Rebooting now would leave nothing the bootloader can pick: stay up and say so.
        _boot += $"; {other.Label} cannot be booted either, so the machine stays on {booted.Label}";
        LogNoFallback(other.Label);
        Publish(_status.CurrentOperation);
        return null;
    }

    private async Task BootIsGoodAsync(bool rolledBack, RebootLockChoice? start, CancellationToken cancellationToken)
    {
        if (_state.Installed is { } installed && installed.Slot == _facts.Booted)
        {
            await SaveAsync(s => s with { Installed = null });
        }

        _boot = $"{_facts.Booted.Label()} ({_facts.Release.Version}) is marked good";
        if (rolledBack && _state.RebootLock is not null)
        {
            // Keep the slot: the next machine must not reboot into the release that just failed here.
            await SaveAsync(s => s with { RebootLockKeptFor = s.RolledBack.LastOrDefault() });
            LogLockKept(_state.RebootLock);
        }

        if (_state.RebootLockKeptFor is { } failed)
        {
            _reboot = $"holding the reboot lock ({_state.RebootLock}) after the rollback of {failed}; an operator frees it after looking ({FreeLockHint()})";
        }
        else if (_state.RebootLock is not null || _config.RebootStrategy is RebootStrategy.EtcdLock or RebootStrategy.FleetLock)
        {
            // Also when the state does not remember a lock: a slot held from an earlier boot is freed (unlocking is idempotent).
            await ReleaseLockAsync(start, cancellationToken);
        }

        _bootSettled.TrySetResult(true);
        Publish(_status.CurrentOperation);
    }

    /// <summary>How an operator frees this machine's slot by hand.</summary>
    private string FreeLockHint() => _config.RebootStrategy == RebootStrategy.FleetLock
        ? $"keelson reboot-lock release {_config.Locks.FleetLockGroup} {_facts.MachineId} on a keelson server, or POST /v1/steady-state for this id"
        : $"keelson lock unlock {_facts.MachineId}{(_config.Locks.EtcdGroup.Length > 0 ? $" --group {_config.Locks.EtcdGroup}" : "")}";

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
                if (outcome == UnlockOutcome.Released || (outcome == UnlockOutcome.Unconfirmed && _state.RebootLock is not null))
                {
                    LogLockReleased(rebootLock.Description);
                }
            }

            await SaveAsync(s => s with { RebootLock = null });
            _reboot = "";
        }
        catch (RebootLockException e)
        {
            // Tried again at the next start; the slot stays taken meanwhile, which only slows the group down.
            _reboot = $"could not release the reboot lock: {e.Message}";
            LogLockReleaseFailed(e.Message);
        }
    }

    private async Task MarkGoodLockedAsync(CancellationToken cancellationToken)
    {
        using var disk = await OpenDiskAsync(writable: true, cancellationToken);
        var slot = await disk.MarkGoodAsync(_facts.Booted, cancellationToken);
        LogMarkedGood(slot.Label, _facts.Release.Version);
    }

    private async Task<(UsrSlot Booted, UsrSlot Other)> ReadSlotsAsync(CancellationToken cancellationToken)
    {
        using var disk = await OpenDiskAsync(writable: false, cancellationToken);
        var roles = disk.GetSlotRoles(_facts.Booted);
        return (roles.Active, roles.Passive);
    }

    private async Task<GptDisk> OpenDiskAsync(bool writable, CancellationToken cancellationToken)
    {
        try
        {
            return await GptDisk.OpenAsync(_host.DiskPath, writable, cancellationToken: cancellationToken);
        }
        catch (DiskException e)
        {
            throw new UpdateEngineException($"cannot open the disk {_host.DiskPath}: {e.Message}", 0, e.IsTransient, e);
        }
    }

    /// <summary>Whether the passive slot still holds the installed update, marked to boot next (not undone by hand).</summary>
    private async Task<bool> IsStillInstalledAsync(InstalledUpdate installed, CancellationToken cancellationToken)
    {
        var (booted, passive) = await ReadSlotsAsync(cancellationToken);
        if (installed.Slot == passive.Name && passive.Tries > 0 && passive.Priority > booted.Priority)
        {
            return true;
        }

        await SaveAsync(s => s with { Installed = null });
        return false;
    }

    // ---- Checking and updating ----------------------------------------------------------------------------------

    private MachineIdentity Identity() => new(
        _facts.MachineId,
        "{" + _facts.BootId + "}",
        _facts.Release.Version,
        _facts.Release.Board,
        _state.AlephVersion ?? _facts.Release.Version,
        _facts.Oem,
        _facts.OemVersion);

    private OmahaClient Omaha() => new(_http, _config.Server!);

    /// <summary>One update check and, if it offers an update, the whole update. Returns whether it installed one, and the wait before the next check.</summary>
    private async Task<(bool Installed, TimeSpan Next)> CheckAndUpdateAsync(TaskCompletionSource<string>? request, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        var previous = _state.PreviousVersion;
        var rolledBack = previous is { Length: > 0 } && previous != "0.0.0.0" && previous == running;
        Publish(UpdateStatus.CheckingForUpdate);
        UpdateCheckResult result;
        try
        {
            result = await Omaha().CheckAsync(Identity(), _config.Group, previous ?? "0.0.0.0", rolledBack, interactive: request is not null, cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            _lastError = e.Message;
            LogCheckFailed(e.Message);
            request?.TrySetResult($"the update check failed: {e.Message}");
            return (false, _schedule.AfterFailure());
        }
        finally
        {
            _status = _status with { LastChecked = _time.GetUtcNow() };
        }

        if (previous != "")
        {
            // Reported once: update_engine clears previous-version after the check that carried it.
            await SaveAsync(s => s with { PreviousVersion = "" });
        }

        _lastError = "";
        var next = _schedule.AfterSuccess(result.PollInterval);
        if (result.Offer is not { } offer)
        {
            request?.TrySetResult($"no update: {running} is current for group {_config.Group}");
            return (false, next);
        }

        if (OmahaVersion.Compare(offer.Version, running) <= 0 || _state.RolledBack.Contains(offer.Version, StringComparer.Ordinal))
        {
            var why = OmahaVersion.Compare(offer.Version, running) <= 0
                ? $"the server offered {offer.Version}, which is not newer than the running {running}; ignored"
                : $"the server offered {offer.Version}, which already failed on this machine; ignored";
            LogOfferIgnored(why);
            request?.TrySetResult(why);
            return (false, next);
        }

        request?.TrySetResult($"update to {offer.Version} available ({offer.Size} bytes): installing");
        try
        {
            await UpdateAsync(offer, cancellationToken);
            return (true, next);
        }
        catch (UpdateEngineException e)
        {
            _lastError = $"the update to {offer.Version} failed: {e.Message}";
            LogUpdateFailed(offer.Version, e.ErrorCode, e.Message);
            Publish(UpdateStatus.ReportingErrorEvent);
            await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, e.ErrorCode, null), cancellationToken);
            if (!e.IsTransient)
            {
                DeletePayload();
                await SaveAsync(s => s with { Download = null });
            }

            return (false, _schedule.AfterFailure());
        }
    }

    private async Task UpdateAsync(UpdateOffer offer, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        _status = _status with { NewVersion = offer.Version, NewSize = offer.Size, Progress = 0 };
        Publish(UpdateStatus.UpdateAvailable);
        LogUpdating(offer.Version, offer.Size, running);

        var download = new DownloadRecord(offer.Version, offer.Sha256Base64, offer.Size);
        if (_state.Download != download)
        {
            // The partial file belongs to another payload (or to none): start afresh.
            DeletePayload();
            await SaveAsync(s => s with { Download = download });
        }
        else if (File.Exists(_store.PayloadPath) && new FileInfo(_store.PayloadPath).Length is var held and > 0)
        {
            LogResuming(offer.Version, held, offer.Size);
        }

        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateDownloadStarted, OmahaEventResult.Success, null, null), cancellationToken);
        Publish(UpdateStatus.Downloading);
        var downloader = new PayloadDownloader(_http);
        await downloader.DownloadAsync(offer, _store.PayloadPath, new Progress(this, offer.Size), cancellationToken);
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateDownloadFinished, OmahaEventResult.Success, null, null), cancellationToken);

        Publish(UpdateStatus.Verifying, progress: 0);
        InstallResult installed;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            installed = await SlotInstaller.InstallAsync(
                _host.DiskPath,
                _facts.Booted,
                _store.PayloadPath,
                new PayloadApplyOptions { TrustedKeys = [.. _keys], Board = _facts.Release.Board, RunningVersion = running },
                new InstallProgress(this),
                cancellationToken);
            if (installed.Version != offer.Version)
            {
                using var disk = await OpenDiskAsync(writable: true, cancellationToken);
                await disk.SetSlotAttributesAsync(installed.Slot.Name, priority: 0, tries: 0, successful: false, cancellationToken: cancellationToken);
                throw new UpdateEngineException(
                    $"the payload holds version {installed.Version}, but the server offered {offer.Version}; the slot was made unbootable again", 12, isTransient: false);
            }

            Publish(UpdateStatus.Finalizing, progress: 1);
            _state = _state with
            {
                Installed = new InstalledUpdate(offer.Version, installed.Slot.Name, running, offer.Size, _facts.BootId),
                PreviousVersion = running,
                Download = null,
            };
            _store.Save(_state);
        }
        finally
        {
            _gate.Release();
        }

        DeletePayload();
        LogInstalled(offer.Version, installed.Slot.Label);
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Success, null, null), cancellationToken);
        Publish(UpdateStatus.UpdatedNeedReboot, progress: 1);
    }

    /// <summary>Reports an event; a report that does not arrive is logged, not fatal (the next check reports the outcome).</summary>
    private async Task ReportAsync(OmahaEvent omahaEvent, CancellationToken cancellationToken)
    {
        if (!_config.CheckingEnabled)
        {
            return;
        }

        try
        {
            await Omaha().ReportAsync(Identity(), _config.Group, omahaEvent, cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            LogReportFailed((int)omahaEvent.Type, (int)omahaEvent.Result, e.Message);
        }
    }

    private void DeletePayload() => File.Delete(_store.PayloadPath);

    // ---- Rebooting ----------------------------------------------------------------------------------------------

    private async Task<AgentExit> RebootPhaseAsync(CancellationToken cancellationToken)
    {
        var installed = _state.Installed!;
        _status = _status with { NewVersion = installed.Version, NewSize = installed.Size, Progress = 1 };
        while (true)
        {
            Publish(UpdateStatus.UpdatedNeedReboot);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ResetRebootWait());
            HeldRebootLock? held;
            try
            {
                using var choice = await ChooseLockAsync(wait.Token);
                var coordinator = new RebootCoordinator(choice.Strategy, _config.RebootWindows, choice.Lock, _time, _options.LockRetry, _options.LockRetryMax);
                held = await coordinator.WaitForPermissionAsync(_facts.MachineId, Waiting, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Reloaded, or asked to roll back: decide again.
                if (_manualReboot is { } target)
                {
                    await RebootAsync(target, $"rolling back to {target.Name.Label()} by hand", cancellationToken);
                    return AgentExit.Rebooting;
                }

                continue;
            }

            if (held is not null)
            {
                if (held.AlreadyHeld)
                {
                    LogLockAlreadyHeld(held.Description, Slots(held));
                }
                else
                {
                    LogLockTaken(held.Description, Slots(held));
                }

                await SaveAsync(s => s with { RebootLock = held.Description, RebootLockKeptFor = null });
            }

            using var disk = await OpenDiskAsync(writable: false, cancellationToken);
            await RebootAsync(disk.GetSlot(installed.Slot), $"the update to {installed.Version} is installed in {installed.Slot.Label()}", cancellationToken);
            return AgentExit.Rebooting;
        }

        void Waiting(RebootWait wait)
        {
            // Logged once per reason: a retry for the same reason (only the next try differs) is news for the status alone.
            if (_rebootWaitReason != wait.Reason)
            {
                _rebootWaitReason = wait.Reason;
                LogRebootWaiting(wait.Text);
            }

            _reboot = wait.Text;
            Publish(UpdateStatus.UpdatedNeedReboot);
        }

        static string Slots(HeldRebootLock held) => held.Slots.Length > 0 ? held.Slots : "the lock service does not say more";
    }

    /// <summary>
    /// What the strategy will do, said at start (best-effort's choice included) for the log and the status; the
    /// choice also serves to free a slot held from an earlier boot. Null when the lock cannot even be set up.
    /// </summary>
    private async Task<RebootLockChoice?> ChooseAtStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var choice = await RebootLockChoice.ChooseAsync(_config, _http, cancellationToken);
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

    /// <summary>The lock the strategy needs; a lock that cannot even be set up (a bad certificate file, say) is waited out.</summary>
    private async Task<RebootLockChoice> ChooseLockAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(5);
        while (true)
        {
            try
            {
                var choice = await RebootLockChoice.ChooseAsync(_config, _http, cancellationToken);
                if (_decision != choice.Why)
                {
                    _decision = choice.Why;
                    LogRebootDecision(choice.Why);
                }

                return choice;
            }
            catch (RebootLockException e)
            {
                _reboot = $"cannot set up the reboot lock: {e.Message}; next try in {backoff.TotalSeconds:0} s";
                Publish(UpdateStatus.UpdatedNeedReboot);
                await Task.Delay(backoff, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromMinutes(5).Ticks));
            }
        }
    }

    private CancellationToken ResetRebootWait()
    {
        var fresh = new CancellationTokenSource();
        Interlocked.Exchange(ref _rebootWait, fresh).Dispose();
        return fresh.Token;
    }

    private async Task RebootAsync(UsrSlot next, string reason, CancellationToken cancellationToken)
    {
        _reboot = $"rebooting: {reason}";
        Publish(_status.CurrentOperation);
        LogRebooting(reason, next.Label);
        await _host.RebootAsync(next, reason, _config.RebootCommand, cancellationToken);
    }

    // ---- Control commands ---------------------------------------------------------------------------------------

    /// <summary>Answers a control-socket command: <c>status</c>, <c>check</c>, <c>mark-good</c>, <c>rollback</c>.</summary>
    public async Task<ControlReply> HandleCommandAsync(string command, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case "status":
                return new ControlReply(0, _status.Format());
            case "check":
                return await RequestCheckAsync(cancellationToken);
            case "mark-good":
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    await MarkGoodLockedAsync(cancellationToken);
                }
                finally
                {
                    _gate.Release();
                }

                _boot = $"{_facts.Booted.Label()} ({_facts.Release.Version}) was marked good by hand";
                _bootSettled.TrySetResult(true);
                Publish(_status.CurrentOperation);
                return new ControlReply(0, $"{_facts.Booted.Label()} ({_facts.Release.Version}) marked good: successful, top priority\n");
            case "rollback":
                return await RollbackAsync(cancellationToken);
            default:
                return new ControlReply(2, $"unknown command '{command}'; the agent knows status, check, mark-good, rollback\n");
        }
    }

    private async Task<ControlReply> RequestCheckAsync(CancellationToken cancellationToken)
    {
        if (!_config.CheckingEnabled)
        {
            return new ControlReply(1, "checking is disabled (SERVER=disabled)\n");
        }

        if (_status.CurrentOperation != UpdateStatus.Idle)
        {
            return new ControlReply(0, $"not checking now: the agent is busy ({AgentStatus.WireName(_status.CurrentOperation)}{(_status.NewVersion != "0.0.0.0" ? " " + _status.NewVersion : "")})\n");
        }

        var request = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _checkRequest, request, null) is { } pending)
        {
            request = pending;
        }

        _wake.Release();
        var answer = await request.Task.WaitAsync(TimeSpan.FromMinutes(2), _time, cancellationToken);
        return new ControlReply(answer.StartsWith("the update check failed", StringComparison.Ordinal) ? 1 : 0, answer + "\n");
    }

    /// <summary>Makes the other slot boot next (with one try if it was never marked good) and reboots into it.</summary>
    private async Task<ControlReply> RollbackAsync(CancellationToken cancellationToken)
    {
        if (_status.CurrentOperation is UpdateStatus.Downloading or UpdateStatus.Verifying or UpdateStatus.Finalizing)
        {
            return new ControlReply(1, $"an update is being installed ({AgentStatus.WireName(_status.CurrentOperation)}); roll back once it is done\n");
        }

        UsrSlot target;
        string? otherVersion;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var disk = await OpenDiskAsync(writable: true, cancellationToken);
            var other = disk.GetSlotRoles(_facts.Booted).Passive;
            if (other.Priority == 0 && !other.Successful && other.Tries == 0)
            {
                return new ControlReply(1, $"{other.Label} holds no bootable system (priority 0, never marked good): nothing to roll back to\n");
            }

            otherVersion = await TryReadVersionAsync(other, cancellationToken);
            if (!other.Successful)
            {
                await disk.SetSlotAttributesAsync(other.Name, priority: null, tries: 1, successful: false, cancellationToken: cancellationToken);
            }

            target = await disk.PrioritizeAsync(other.Name, cancellationToken);
            // Booting the version it ran before is what a rollback looks like on the next check (3/0 errorcode 44).
            _state = _state.WithRolledBack(_facts.Release.Version) with { PreviousVersion = otherVersion ?? _state.PreviousVersion, Installed = null };
            _store.Save(_state);
        }
        finally
        {
            _gate.Release();
        }

        _manualReboot = target;
        _rebootWait.Cancel();
        _wake.Release();
        return new ControlReply(0, $"rolling back: {target.Label}{(otherVersion is null ? "" : $" ({otherVersion})")} boots next; rebooting\n");
    }

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

    // ---- Status -------------------------------------------------------------------------------------------------

    private void Publish(UpdateStatus operation, double? progress = null)
    {
        var details = new List<KeyValuePair<string, string>>
        {
            new("GROUP", _config?.Group ?? ""),
            new("SERVER", _config?.Server?.ToString() ?? "disabled"),
            new("REBOOT_STRATEGY", _config is null ? "" : _config.RebootStrategy.Name()),
            new("REBOOT_DECISION", _decision),
            new("BOOTED_SLOT", _facts?.Booted.Label() ?? ""),
            new("RUNNING_VERSION", _facts?.Release.Version ?? ""),
            new("BOOT", _boot),
            new(AgentStatus.NextCheckDetail, _nextCheck is { } next && operation == UpdateStatus.Idle && _config?.CheckingEnabled == true && _stoppedAt is null
                ? next.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : ""),
            new("REBOOT", _reboot),
            new("REBOOT_LOCK", _state.RebootLock ?? ""),
            new("LAST_ERROR", _lastError),
            new(AgentStatus.StoppedDetail, _stoppedAt?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? ""),
        };
        _status = _status with { CurrentOperation = operation, Progress = progress ?? _status.Progress, Details = details };
        try
        {
            _store.SaveStatus(_status.Format());
        }
        catch (IOException e)
        {
            LogStatusNotSaved(e.Message);
        }
    }

    private void PublishProgress(double fraction)
    {
        // At most a few writes a second: progress comes for every megabyte.
        var now = _time.GetTimestamp();
        _status = _status with { Progress = fraction };
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastProgressPublish), now) >= TimeSpan.FromMilliseconds(250) || fraction >= 1)
        {
            Interlocked.Exchange(ref _lastProgressPublish, now);
            Publish(_status.CurrentOperation);
        }
    }

    private async Task SaveAsync(Func<AgentState, AgentState> change)
    {
        await _gate.WaitAsync();
        try
        {
            _state = change(_state);
            _store.Save(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            return;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, _time, either.Token);
        var woken = _wake.WaitAsync(either.Token);
        await Task.WhenAny(delay, woken);
        await either.CancelAsync();
        // The loser was cancelled; wait for it without throwing.
        await Task.WhenAll(delay, woken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private sealed class Progress(UpdateAgent agent, long size) : IProgress<long>
    {
        public void Report(long value) => agent.PublishProgress(size > 0 ? (double)value / size : 0);
    }

    private sealed class InstallProgress(UpdateAgent agent) : IProgress<PayloadProgress>
    {
        public void Report(PayloadProgress value) => agent.PublishProgress(value.BytesTotal > 0 ? (double)value.BytesDone / value.BytesTotal : 0);
    }
}
