using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Keelson.Agent.Configuration;
using Keelson.Agent.Download;
using Keelson.Agent.Host;
using Keelson.Agent.Install;
using Keelson.Agent.Omaha;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;
using Keelson.Payloads;
using Keelson.Tls;
using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Engine;

/// <summary>
/// The update engine of one machine - CoreOS' update_engine done in Keelson. After a boot it checks the new
/// system's health and marks the boot good (or reboots so the bootloader falls back); then it checks for updates
/// on update_engine's schedule, downloads an offer with resume, installs it into the passive slot, reports every
/// step to the server as Omaha events, and reboots as the reboot strategy allows.
/// </summary>
/// <remarks>
/// One loop owns the engine's <see cref="EngineState"/> and moves it only through <see cref="EngineTransitions"/>.
/// It reads one inbox: the control socket's commands (<c>check</c>, <c>mark-good</c>, <c>rollback</c>, accepted or
/// refused by <see cref="CommandPolicy"/>), SIGHUP, and what the one long step under way (an activity: a wait, the
/// health checks, a check, a download, an install, the wait for the reboot lock) reports. Activities compute; only
/// the loop changes the state, the saved state and the boot state. <c>status</c> is answered from the last
/// published status, without the loop.
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
    private readonly Channel<EngineMessage> _inbox = Channel.CreateUnbounded<EngineMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<bool> _bootSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstCheckDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TaskCompletionSource<ControlReply>> _checkWaiters = [];

    // Owned by the loop.
    private EngineState _state = new EngineState.Starting();
    private UpdateConfig _config = null!;
    private ServerConnection _server = null!;
    private IReadOnlyList<PayloadPublicKey> _keys = [];
    private IBootBackend _backend = null!;
    private AgentState _saved = AgentState.Empty;
    private MachineFacts _facts = null!;
    private BootVerdict? _verdict;
    private EngineFailure? _lastFailure;
    private string? _lockReleaseError;
    private string _decision = "";
    private string? _rebootWaitReason;
    private bool _rolledBackAtStart;
    private bool _rebootStarted;
    private RebootLockChoice? _startChoice;
    private DateTimeOffset? _lastChecked;
    private DateTimeOffset? _stoppedAt;
    private long _activity;
    private CancellationTokenSource? _activityStop;
    private AgentMetrics? _metrics;
    private CancellationToken _running;

    // Read without the loop.
    private volatile AgentStatus _status = AgentStatus.Initial;
    private volatile EngineState _published = new EngineState.Starting();

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

    /// <summary>The engine's state as last published.</summary>
    public EngineState State => _published;

    /// <summary>Completes when this boot has been settled: true once it is marked good, false when it was found unhealthy.</summary>
    public Task<bool> BootSettled => _bootSettled.Task;

    /// <summary>
    /// Completes when this boot's first update check, and the update it started if any, are over (installed, failed
    /// and reported, or nothing to do); at once when checking is disabled or an installed update waits for a reboot.
    /// </summary>
    public Task FirstCheckDone => _firstCheckDone.Task;

    /// <summary>The version the booted slot runs (known once <see cref="RunAsync"/> has started).</summary>
    public string RunningVersion => _facts?.Release.Version ?? "";

    /// <summary>The booted slot's label (<c>USR-A</c>), known once <see cref="RunAsync"/> has started.</summary>
    public string BootedSlot => _facts?.Booted.Label() ?? "";

    /// <summary>Runs until stopped or until it starts a reboot.</summary>
    /// <exception cref="UpdateConfigException">The configuration is invalid (at start-up; a bad reload keeps the last good one).</exception>
    /// <exception cref="UpdateEngineException">The machine cannot be read (its disk, identity or booted slot).</exception>
    public async Task<AgentExit> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunLoopAsync(cancellationToken);
        }
        finally
        {
            CancelActivity();
            _inbox.Writer.TryComplete();
            AnswerCheck(1, "the agent stopped before the check was done");
            while (_inbox.Reader.TryRead(out var left))
            {
                (left as EngineMessage.Command)?.Reply.TrySetResult(new ControlReply(1, "the agent stopped\n"));
            }

            if (_facts is not null)
            {
                // The last status says when the agent stopped, for keelson agent status to show without it.
                _stoppedAt = _time.GetUtcNow();
                Publish();
            }
        }
    }

    private async Task<AgentExit> RunLoopAsync(CancellationToken cancellationToken)
    {
        _running = cancellationToken;
        // Registered first, so that a SIGHUP never finds the default action (ending the process) in place.
        using var hangup = _options.ReloadOnSighup ? PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Reload();
        }) : null;
        (_config, _keys, _server) = LoadConfig();
        _saved = _store.Load();
        _facts = await _host.ReadFactsAsync(cancellationToken);
        _backend = OpenBackend(_config);
        LogStarted(_facts.Booted.Label(), _facts.Release.Version, _config.Group, _config.ServerShown, _config.RebootStrategy.Name());
        if (_saved.AlephVersion is null)
        {
            Save(s => s with { AlephVersion = _facts.Release.Version });
        }

        await using var socket = _options.ControlSocket ? ListenForCommands() : null;
        using var metrics = _metrics = _config.MetricsListen is { } listen ? ServeMetrics(listen) : null;
        Publish();
        await StartAsync(cancellationToken);
        while (!_rebootStarted)
        {
            var message = await _inbox.Reader.ReadAsync(cancellationToken);
            await HandleAsync(message, cancellationToken);
        }

        return AgentExit.Rebooting;
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

    /// <summary>The metrics endpoint; without one (the port is taken, say) the agent still updates, and says so.</summary>
    private AgentMetrics? ServeMetrics(System.Net.IPEndPoint listen)
    {
        try
        {
            var metrics = AgentMetrics.Serve(this, listen);
            LogServingMetrics(AgentMetrics.Url(listen));
            return metrics;
        }
        catch (System.Net.HttpListenerException e)
        {
            LogNoMetrics(listen.ToString(), e.Message);
            return null;
        }
    }

    /// <summary>Re-reads the configuration (SIGHUP) in the loop; a bad file is logged and the last good configuration kept.</summary>
    public void Reload() => _inbox.Writer.TryWrite(new EngineMessage.Reload());

    private (UpdateConfig, IReadOnlyList<PayloadPublicKey>, ServerConnection) LoadConfig()
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

        ClientTls tls;
        try
        {
            tls = ClientTls.Load(config.Tls, _time);
        }
        catch (TlsException e)
        {
            throw new UpdateConfigException(e.Message);
        }

        // The client given serves when no TLS setting is made; otherwise one with them, made at each (re)load so that
        // renewed files are read. A replaced client is left to the collector: an activity may still be using it.
        return (config, keys, new ServerConnection(config.Tls.IsEmpty ? _http : AgentHttp.Create(tls), tls));
    }

    /// <summary>The HTTP client of the update and FleetLock servers, and the TLS settings it was made with.</summary>
    private sealed record ServerConnection(HttpClient Http, ClientTls Tls);

    private IBootBackend OpenBackend(UpdateConfig config)
    {
        try
        {
            return _options.OpenBootBackend(config.BootBackend, _host.DiskPath, config.EspDirectory);
        }
        catch (DiskException e)
        {
            throw new UpdateConfigException($"KEELSON_BOOT_BACKEND={config.BootBackend.Name()}: {e.Message}");
        }
    }

    // ---- The loop ----------------------------------------------------------------------------------------------

    private void Transition(EngineState next)
    {
        var from = _state;
        _state = EngineTransitions.Check(from, next);
        if (from.Kind != next.Kind)
        {
            LogState(from.Name, next.Name);
        }

        Publish();
    }

    private async Task HandleAsync(EngineMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case EngineMessage.Command command:
                await HandleCommandAsync(command, cancellationToken);
                return;
            case EngineMessage.Reload:
                ReloadNow();
                return;
            case EngineMessage.FromActivity fromActivity when fromActivity.Activity != _activity:
                // From an activity the loop has abandoned (a rollback cancelled the check, a reload the lock wait).
                return;
            case EngineMessage.Crashed crashed:
                crashed.Error.Throw();
                return;
            case EngineMessage.Progress progress:
                OnProgress(progress.Fraction);
                return;
            case EngineMessage.LockDecided decided:
                if (_decision != decided.Why)
                {
                    _decision = decided.Why;
                    LogRebootDecision(decided.Why);
                    Publish();
                }

                return;
            case EngineMessage.RebootWaiting waiting:
                OnRebootWaiting(waiting.Wait);
                return;
            case EngineMessage.Done done:
                await OnDoneAsync(done.Result, cancellationToken);
                return;
            case EngineMessage.Failed failed:
                await OnFailedAsync(failed.Error, cancellationToken);
                return;
        }
    }

    private async Task OnDoneAsync(ActivityResult result, CancellationToken cancellationToken)
    {
        switch (_state, result)
        {
            case (EngineState.BootPendingVerdict, ActivityResult.HealthChecked checkedHealth):
                if (checkedHealth.Report.Healthy)
                {
                    await SettleGoodAsync(byHand: false, mark: true, cancellationToken);
                }
                else
                {
                    await SettleUnhealthyAsync(checkedHealth.Report, cancellationToken);
                }

                return;
            case (EngineState.Idle, ActivityResult.TimerFired):
                StartCheck(interactive: false);
                return;
            case (EngineState.Checking, ActivityResult.Checked checkedUpdate):
                await OnCheckedAsync(checkedUpdate.Result, cancellationToken);
                return;
            case (EngineState.Downloading downloading, ActivityResult.Downloaded):
                await ReportAsync(new OmahaEvent(OmahaEventType.UpdateDownloadFinished, OmahaEventResult.Success, null, null), cancellationToken);
                Transition(new EngineState.Installing(downloading.Offer, 0));
                LogInstalling(downloading.Offer.Version, _facts.Booted.Other().Label());
                StartInstall(downloading.Offer);
                return;
            case (EngineState.Installing installing, ActivityResult.Installed installed):
                await OnInstalledAsync(installing.Offer, installed.Result, cancellationToken);
                return;
            case (EngineState.UpdateInstalled or EngineState.WaitingForReboot, ActivityResult.RebootAllowed allowed):
                await OnRebootAllowedAsync(InstalledUpdateOf(_state), allowed.Lock, cancellationToken);
                return;
            case (EngineState.RebootFailed failed, ActivityResult.TimerFired):
                await RebootAsync(failed.Target, failed.Cause, cancellationToken);
                return;
            default:
                throw new InvalidOperationException($"the update engine got {result} while {_state.Name}");
        }
    }

    private async Task OnFailedAsync(UpdateEngineException error, CancellationToken cancellationToken)
    {
        switch (_state)
        {
            case EngineState.BootPendingVerdict:
                // The checks could not even run: the boot is not known to be healthy.
                await SettleUnhealthyAsync(new HealthReport([error.Message]), cancellationToken);
                return;
            case EngineState.Checking:
                OnCheckFailed(error);
                return;
            case EngineState.Downloading { Offer: var offer }:
                await OnUpdateFailedAsync(offer, error, cancellationToken);
                return;
            case EngineState.Installing { Offer: var offer }:
                await OnUpdateFailedAsync(offer, error, cancellationToken);
                return;
            default:
                ExceptionDispatchInfo.Throw(error);
                return;
        }
    }

    /// <summary>Starts the one long step of the current state, abandoning the previous one; its outcome comes back as a message.</summary>
    private void StartActivity(Func<long, CancellationToken, Task<ActivityResult>> work)
    {
        CancelActivity();
        var id = ++_activity;
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_running);
        _activityStop = stop;
        var token = stop.Token;
        _ = Task.Run(
            async () =>
            {
                EngineMessage outcome;
                try
                {
                    outcome = new EngineMessage.Done(id, await work(id, token));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (UpdateEngineException e)
                {
                    outcome = new EngineMessage.Failed(id, e);
                }
                catch (Exception e)
                {
                    outcome = new EngineMessage.Crashed(id, ExceptionDispatchInfo.Capture(e));
                }

                _inbox.Writer.TryWrite(outcome);
            },
            CancellationToken.None);
    }

    private void CancelActivity()
    {
        _activity++;
        if (Interlocked.Exchange(ref _activityStop, null) is { } stop)
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    private void StartTimer(TimeSpan wait) => StartActivity(async (_, token) =>
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, token);
        }

        return new ActivityResult.TimerFired();
    });

    private void Post(EngineMessage message) => _inbox.Writer.TryWrite(message);

    private void Save(Func<AgentState, AgentState> change)
    {
        _saved = change(_saved);
        _store.Save(_saved);
    }

    private void ReloadNow()
    {
        UpdateConfig config;
        try
        {
            (config, var keys, var server) = LoadConfig();
            _backend = OpenBackend(config);
            (_config, _keys, _server) = (config, keys, server);
        }
        catch (Exception e) when (e is UpdateConfigException or UpdateEngineException)
        {
            LogReloadFailed(e.Message);
            return;
        }

        LogReloaded(config.Group, config.ServerShown, config.RebootStrategy.Name());
        switch (_state)
        {
            case EngineState.UpdateInstalled or EngineState.WaitingForReboot:
                // The strategy, window or lock may have changed: ask again.
                var update = InstalledUpdateOf(_state);
                Transition(new EngineState.UpdateInstalled(update));
                StartRebootPermission(update);
                return;
            case EngineState.Idle { NextCheck: null } when config.CheckingEnabled:
                GoIdle(_schedule.First());
                return;
            case EngineState.Idle { NextCheck: not null } when !config.CheckingEnabled:
                GoIdle(TimeSpan.Zero);
                return;
            default:
                Publish();
                return;
        }
    }

    private static InstalledUpdate InstalledUpdateOf(EngineState state) => state switch
    {
        EngineState.UpdateInstalled installed => installed.Update,
        EngineState.WaitingForReboot waiting => waiting.Update,
        _ => throw new InvalidOperationException($"no update is installed while {state.Name}"),
    };

    // ---- After a boot -------------------------------------------------------------------------------------------

    /// <summary>
    /// Starting: an update that did not come up is recorded as rolled back; a boot already marked good goes on at
    /// once; a trial boot (not yet marked good) has its health checked after the health-check delay.
    /// </summary>
    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _startChoice = await ChooseAtStartAsync(cancellationToken);
        var running = _facts.Release.Version;
        if (_saved.Installed is { } installed && installed.BootId != _facts.BootId && installed.Slot != _facts.Booted)
        {
            // The machine rebooted but is not running the update: its slot was tried and not kept.
            LogRolledBack(installed.Version, _facts.Booted.Label(), running);
            _rolledBackAtStart = true;
            Save(s => s.WithRolledBack(installed.Version) with { Installed = null });
        }

        var boot = await ReadBootStateAsync(cancellationToken);
        if (boot[_facts.Booted].Good)
        {
            await SettleGoodAsync(byHand: false, mark: false, cancellationToken);
            return;
        }

        Transition(new EngineState.BootPendingVerdict(_facts.Booted, running, _time.GetUtcNow() + _options.HealthCheckDelay));
        var (config, facts, delay, timeout) = (_config, _facts, _options.HealthCheckDelay, _options.HealthCheckTimeout);
        StartActivity(async (_, token) =>
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, token);
            }

            var configured = await HealthChecks.RunAsync(config.HealthChecks, timeout, token);
            var own = await _host.CheckOwnHealthAsync(facts, token);
            return new ActivityResult.HealthChecked(new HealthReport([.. configured.Failures, .. own.Failures]));
        });
    }

    /// <summary>The boot is good: marked (by the checks, or already), the reboot lock freed or kept, then on to updates.</summary>
    private async Task SettleGoodAsync(bool byHand, bool mark, CancellationToken cancellationToken)
    {
        if (mark)
        {
            await MarkGoodAsync(cancellationToken);
        }

        _verdict = BootVerdict.MarkedGood(_facts.Booted, _facts.Release.Version, byHand);
        if (_saved.Installed is { } installed && installed.Slot == _facts.Booted)
        {
            Save(s => s with { Installed = null });
        }

        if (_rolledBackAtStart && _saved.RebootLock is not null)
        {
            // Keep the slot: the next machine must not reboot into the release that just failed here.
            Save(s => s with { RebootLockKeptFor = s.RolledBack.LastOrDefault() });
            LogLockKept(_saved.RebootLock);
        }

        if (_saved.RebootLockKeptFor is null
            && (_saved.RebootLock is not null || _config.RebootStrategy is RebootStrategy.EtcdLock or RebootStrategy.FleetLock))
        {
            // Also when the state does not remember a lock: a slot held from an earlier boot is freed (unlocking is idempotent).
            await ReleaseLockAsync(_startChoice, cancellationToken);
        }

        DisposeStartChoice();
        _bootSettled.TrySetResult(true);
        await ContinueAfterVerdictAsync(cancellationToken);
    }

    private async Task SettleUnhealthyAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        LogUnhealthy(running, _facts.Booted.Label(), report.ToString());
        Save(s => s.WithRolledBack(running));
        var boot = await ReadBootStateAsync(cancellationToken);
        var other = _facts.Booted.Other();
        // Rebooting now would leave nothing the bootloader can pick: stay up and say so.
        _verdict = BootVerdict.Unhealthy(_facts.Booted, running, report, boot[other].Bootable ? other : null);
        RecordFailure(new EngineFailure(OmahaErrorCodes.UnhealthyBoot, _verdict.Describe()));
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, OmahaErrorCodes.UnhealthyBoot, null), cancellationToken);
        DisposeStartChoice();
        _bootSettled.TrySetResult(false);
        if (_verdict.Fallback is { } fallback)
        {
            await RebootAsync(fallback, RebootCause.Unhealthy(running), cancellationToken);
            return;
        }

        LogNoFallback(other.Label());
        await ContinueAfterVerdictAsync(cancellationToken);
    }

    /// <summary>With the boot settled: an update installed before the agent restarted waits for its reboot again; otherwise idle.</summary>
    private async Task ContinueAfterVerdictAsync(CancellationToken cancellationToken)
    {
        if (_saved.Installed is { } installed && await IsStillInstalledAsync(installed, cancellationToken))
        {
            LogPendingReboot(installed.Version, installed.Slot.Label());
            _firstCheckDone.TrySetResult();
            Transition(new EngineState.UpdateInstalled(installed));
            StartRebootPermission(installed);
            return;
        }

        GoIdle(_schedule.First());
    }

    /// <summary>Whether the passive slot still holds the installed update and boots next (not undone by hand).</summary>
    private async Task<bool> IsStillInstalledAsync(InstalledUpdate installed, CancellationToken cancellationToken)
    {
        var boot = await ReadBootStateAsync(cancellationToken);
        if (installed.Slot != _facts.Booted && boot.Next?.Slot == installed.Slot && boot[installed.Slot].TriesLeft > 0)
        {
            return true;
        }

        Save(s => s with { Installed = null });
        return false;
    }

    private async Task MarkGoodAsync(CancellationToken cancellationToken)
    {
        var slot = await SlotAsync(_facts.Booted, cancellationToken);
        await ChangeBootAsync(backend => backend.MarkGoodAsync(slot, cancellationToken), $"mark {slot.Label} good");
        LogMarkedGood(slot.Label, _facts.Release.Version);
    }

    private async Task<BootState> ReadBootStateAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _backend.ReadAsync(cancellationToken);
        }
        catch (Exception e) when (e is DiskException or IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException($"cannot read the boot state ({_backend.Kind.Name()}): {e.Message}", OmahaErrorCodes.BootStateError, isTransient: true, e);
        }
    }

    private async Task ChangeBootAsync(Func<IBootBackend, Task> change, string what)
    {
        try
        {
            await change(_backend);
        }
        catch (Exception e) when (e is DiskException or IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException($"cannot {what} ({_backend.Kind.Name()}): {e.Message}", OmahaErrorCodes.BootStateError, isTransient: true, e);
        }
    }

    /// <summary>A slot's place on the disk, from the GPT whatever the boot backend.</summary>
    private async Task<UsrSlot> SlotAsync(UsrSlotName name, CancellationToken cancellationToken)
    {
        try
        {
            using var disk = await GptDisk.OpenAsync(_host.DiskPath, writable: false, cancellationToken: cancellationToken);
            return disk.GetSlot(name);
        }
        catch (DiskException e)
        {
            throw new UpdateEngineException($"cannot open the disk {_host.DiskPath}: {e.Message}", OmahaErrorCodes.InstallDeviceOpenError, e.IsTransient, e);
        }
    }

    // ---- Checking and updating ----------------------------------------------------------------------------------

    private void GoIdle(TimeSpan wait)
    {
        if (!_config.CheckingEnabled)
        {
            CancelActivity();
            Transition(new EngineState.Idle(null));
            _firstCheckDone.TrySetResult();
            return;
        }

        Transition(new EngineState.Idle(_time.GetUtcNow() + wait));
        StartTimer(wait);
    }

    private MachineIdentity Identity() => new(
        _facts.MachineId,
        "{" + _facts.BootId + "}",
        _facts.Release.Version,
        _facts.Release.Board,
        _saved.AlephVersion ?? _facts.Release.Version,
        _facts.Oem,
        _facts.OemVersion);

    private void StartCheck(bool interactive)
    {
        var previous = _saved.PreviousVersion;
        var rolledBack = previous is { Length: > 0 } && previous != "0.0.0.0" && previous == _facts.Release.Version;
        var (omaha, identity, group) = (new OmahaClient(_server.Http, _config.Server!, _server.Tls), Identity(), _config.Group);
        Transition(new EngineState.Checking(interactive));
        StartActivity(async (_, token) => new ActivityResult.Checked(
            await omaha.CheckAsync(identity, group, previous ?? "0.0.0.0", rolledBack, interactive, token)));
    }

    private async Task OnCheckedAsync(UpdateCheckResult result, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        _lastChecked = _time.GetUtcNow();
        if (_saved.PreviousVersion != "")
        {
            // Reported once: update_engine clears previous-version after the check that carried it.
            Save(s => s with { PreviousVersion = "" });
        }

        _lastFailure = null;
        var next = _schedule.AfterSuccess(result.PollInterval);
        if (result.Offer is not { } offer)
        {
            AnswerCheck(0, $"no update: {running} is current for group {_config.Group}");
            _firstCheckDone.TrySetResult();
            GoIdle(next);
            return;
        }

        if (OmahaVersion.Compare(offer.Version, running) <= 0 || _saved.RolledBack.Contains(offer.Version, StringComparer.Ordinal))
        {
            var why = OmahaVersion.Compare(offer.Version, running) <= 0
                ? $"the server offered {offer.Version}, which is not newer than the running {running}; ignored"
                : $"the server offered {offer.Version}, which already failed on this machine; ignored";
            LogOfferIgnored(why);
            AnswerCheck(0, why);
            _firstCheckDone.TrySetResult();
            GoIdle(next);
            return;
        }

        AnswerCheck(0, $"update to {offer.Version} available ({offer.Size} bytes): installing");
        await StartDownloadAsync(offer, cancellationToken);
    }

    private void OnCheckFailed(UpdateEngineException error)
    {
        _lastChecked = _time.GetUtcNow();
        RecordFailure(EngineFailure.From(error));
        LogCheckFailed(error.Message);
        AnswerCheck(1, $"the update check failed: {error.Message}");
        _firstCheckDone.TrySetResult();
        GoIdle(_schedule.AfterFailure());
    }

    private void AnswerCheck(int exitCode, string text)
    {
        foreach (var waiter in _checkWaiters)
        {
            waiter.TrySetResult(new ControlReply(exitCode, text + "\n"));
        }

        _checkWaiters.Clear();
    }

    private async Task StartDownloadAsync(UpdateOffer offer, CancellationToken cancellationToken)
    {
        LogUpdating(offer.Version, offer.Size, _facts.Release.Version);
        var download = new DownloadRecord(offer.Version, offer.Sha256Base64, offer.Size);
        if (_saved.Download != download)
        {
            // The partial file belongs to another payload (or to none): start afresh.
            DeletePayload();
            Save(s => s with { Download = download });
        }
        else if (File.Exists(_store.PayloadPath) && new FileInfo(_store.PayloadPath).Length is var held and > 0)
        {
            LogResuming(offer.Version, held, offer.Size);
        }

        Transition(new EngineState.Downloading(offer, 0));
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateDownloadStarted, OmahaEventResult.Success, null, null), cancellationToken);
        var path = _store.PayloadPath;
        StartActivity(async (id, token) =>
        {
            await new PayloadDownloader(_server.Http, _server.Tls).DownloadAsync(offer, path, new ProgressReporter(this, id, offer.Size), token);
            return new ActivityResult.Downloaded();
        });
    }

    private void StartInstall(UpdateOffer offer)
    {
        var (facts, keys, backend, path) = (_facts, _keys, _backend, _store.PayloadPath);
        StartActivity(async (id, token) => new ActivityResult.Installed(await SlotInstaller.InstallAsync(
            _host.DiskPath,
            facts.Booted,
            path,
            offer.Version,
            new PayloadApplyOptions { TrustedKeys = [.. keys], Board = facts.Release.Board, RunningVersion = facts.Release.Version },
            backend,
            ExtractKernelAsync,
            new InstallProgress(new ProgressReporter(this, id, 0)),
            token)));
    }

    /// <summary>
    /// For a bootloader that loads kernels from the ESP: the new slot's <c>boot/vmlinuz</c> and <c>boot/initrd</c>,
    /// copied into the state directory, with the running command line less its usr partition.
    /// </summary>
    private async Task<SlotKernel> ExtractKernelAsync(UsrSlot slot, string version, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(_store.Directory, "kernel", slot.Name.ToString());
        Directory.CreateDirectory(directory);
        var kernel = Path.Combine(directory, "vmlinuz");
        var initrd = Path.Combine(directory, "initrd");
        if (!await SlotFilesystem.DumpFileAsync(_host.DiskPath, slot.ByteOffset, "boot/vmlinuz", kernel, cancellationToken))
        {
            throw new UpdateEngineException(
                $"{slot.Label} ({version}) has no boot/vmlinuz, which the boot backend needs on the ESP; {slot.Label} stays unbootable",
                OmahaErrorCodes.NewKernelVerificationError,
                isTransient: false);
        }

        var hasInitrd = await SlotFilesystem.DumpFileAsync(_host.DiskPath, slot.ByteOffset, "boot/initrd", initrd, cancellationToken);
        var commandLine = KernelCommandLine.WithoutUsr(await _host.ReadKernelCommandLineAsync(cancellationToken));
        return new SlotKernel(version, kernel, hasInitrd ? initrd : null, commandLine);
    }

    private async Task OnInstalledAsync(UpdateOffer offer, InstallResult installed, CancellationToken cancellationToken)
    {
        var running = _facts.Release.Version;
        var update = new InstalledUpdate(offer.Version, installed.Slot.Name, running, offer.Size, _facts.BootId);
        Save(s => s with { Installed = update, PreviousVersion = running, Download = null });
        DeletePayload();
        LogInstalled(offer.Version, installed.Slot.Label);
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Success, null, null), cancellationToken);
        _firstCheckDone.TrySetResult();
        Transition(new EngineState.UpdateInstalled(update));
        StartRebootPermission(update);
    }

    private async Task OnUpdateFailedAsync(UpdateOffer offer, UpdateEngineException error, CancellationToken cancellationToken)
    {
        var failure = EngineFailure.From(error, $"the update to {offer.Version} failed: ");
        RecordFailure(failure);
        LogUpdateFailed(offer.Version, failure.Code, error.Message);
        Transition(new EngineState.ReportingError(offer, failure));
        await ReportAsync(new OmahaEvent(OmahaEventType.UpdateComplete, OmahaEventResult.Error, failure.Code, null), cancellationToken);
        if (!error.IsTransient)
        {
            DeletePayload();
            Save(s => s with { Download = null });
        }

        _firstCheckDone.TrySetResult();
        GoIdle(_schedule.AfterFailure());
    }

    private void OnProgress(double fraction)
    {
        switch (_state)
        {
            case EngineState.Downloading downloading:
                Transition(downloading with { Progress = fraction });
                break;
            case EngineState.Installing installing:
                Transition(installing with { Progress = fraction });
                break;
        }
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
            await new OmahaClient(_server.Http, _config.Server!, _server.Tls).ReportAsync(Identity(), _config.Group, omahaEvent, cancellationToken);
        }
        catch (UpdateEngineException e)
        {
            LogReportFailed((int)omahaEvent.Type, (int)omahaEvent.Result, e.Message);
        }
    }

    private void DeletePayload() => File.Delete(_store.PayloadPath);

    private sealed class ProgressReporter(UpdateAgent agent, long activity, long size) : IProgress<long>
    {
        private long _lastPost = long.MinValue;

        public void Report(long value) => Fraction(size > 0 ? (double)value / size : 0);

        public void Fraction(double fraction)
        {
            // At most a few a second: progress comes for every megabyte.
            var now = agent._time.GetTimestamp();
            var last = Interlocked.Read(ref _lastPost);
            if (fraction >= 1 || last == long.MinValue || agent._time.GetElapsedTime(last, now) >= TimeSpan.FromMilliseconds(250))
            {
                Interlocked.Exchange(ref _lastPost, now);
                agent.Post(new EngineMessage.Progress(activity, fraction));
            }
        }
    }

    private sealed class InstallProgress(ProgressReporter reporter) : IProgress<PayloadProgress>
    {
        public void Report(PayloadProgress value) => reporter.Fraction(value.BytesTotal > 0 ? (double)value.BytesDone / value.BytesTotal : 0);
    }
}
