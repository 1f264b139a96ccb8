using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Metrics;
using Keelson.Server.Payloads;
using Keelson.Server.Rollout;
using Keelson.Server.Storage;
using Keelson.Server.Trust;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>
/// Answers Omaha requests: records each machine, moves it through the update statuses on its events, and
/// offers its group's version when the rollout policy lets it have it.
/// </summary>
/// <remarks>
/// Most checks come from machines that are up to date: they are answered from cached group and machine state
/// (<see cref="GroupCache"/>, <see cref="MachineStateCache"/>) and their last-seen fields are written in batches
/// (<see cref="InstanceTouches"/>); machines not in the cache are read many per statement
/// (<see cref="MachineStateReader"/>). A check or event that can change a machine's status runs in a transaction
/// shared with other such checks (<see cref="GroupCommit{TWork, TResult}"/>) that reads all their machines' rows when
/// it begins, decides each check in turn, writes what they changed at its end (or before a count reads it), and
/// answers them after the commit.
/// </remarks>
public sealed partial class UpdateService : IAsyncDisposable
{
    // Enough to amortise a transaction over a burst of grants, small enough that one batch stays short.
    private const int MaxChecksPerTransaction = 256;

    private readonly Database _database;
    private readonly GroupCache _groups;
    private readonly MachineStateCache _machines;
    private readonly MachineStateReader _reader;
    private readonly InstanceTouches _touches;
    private readonly PayloadUrls _urls;
    private readonly TimeProvider _time;
    private readonly ILogger<UpdateService> _logger;
    private readonly ServerMetrics _metrics;
    private readonly MachineTrust _trust;
    private readonly GroupCommit<StatusCheck, (OmahaAppResponse Response, CheckContext? Check)> _commits;
    private readonly NewMachineLimit _newMachines;

    public UpdateService(
        Database database, GroupCache groups, MachineStateCache machines, MachineStateReader reader, InstanceTouches touches, PayloadUrls urls, ServerMetrics metrics,
        MachineTrust trust, NewMachineLimit newMachines, TimeProvider time, ILogger<UpdateService> logger)
    {
        _trust = trust;
        _newMachines = newMachines;
        _metrics = metrics;
        _database = database;
        _groups = groups;
        _machines = machines;
        _reader = reader;
        _touches = touches;
        _urls = urls;
        _time = time;
        _logger = logger;
        _commits = new GroupCommit<StatusCheck, (OmahaAppResponse, CheckContext?)>(
            database, RunCheckAsync, MaxChecksPerTransaction, ReadRowsAsync, (_, _, memo) => WriteDeferredAsync(memo));
    }

    /// <summary>Answers a request from <paramref name="clientIp"/> that proved <paramref name="caller"/> (see <see cref="MachineTrust"/>).</summary>
    public async Task<CheckAnswer> HandleAsync(OmahaRequest request, string clientIp, MachineCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Every app is checked before any is recorded, so a bad request changes nothing.
        var machineIds = request.Apps.Select(app => MachineIds.Of(request, app)).ToList();
        if (_newMachines.IsOn)
        {
            // Machines never seen before are counted against their address's cap before anything is recorded.
            for (var i = 0; i < request.Apps.Count; i++)
            {
                var appId = request.Apps[i].NormalizedAppId;
                var state = _machines.Find(appId, machineIds[i]) ?? await ReadStateAsync(appId, machineIds[i], cancellationToken);
                if (MachineState.IsUnknown(state) && !_newMachines.TryAdmit(clientIp, out var retryAfter))
                {
                    _metrics.Checked(CheckOutcomes.Limited);
                    return new CheckAnswer(null, retryAfter);
                }
            }
        }

        var apps = new List<OmahaAppResponse>(request.Apps.Count);
        for (var i = 0; i < request.Apps.Count; i++)
        {
            var refusal = _trust.Refusal(caller, machineIds[i]);
            apps.Add(await HandleAppAsync(request.Apps[i], machineIds[i], clientIp, refusal, cancellationToken));
        }

        var now = _time.GetUtcNow();
        return new CheckAnswer(new OmahaResponse(apps, (long)now.TimeOfDay.TotalSeconds));
    }

    /// <remarks>
    /// The app is looked up by its normalized id but answered with the id exactly as the client spelled it: clients
    /// such as go-omaha's find their app in the answer by exact id and count a missing one as an invalid answer.
    /// </remarks>
    /// <param name="refusal">Why the request may not act for the machine (<see cref="MachineTrust.Refusal"/>); null when it may.</param>
    private async Task<OmahaAppResponse> HandleAppAsync(
        OmahaAppRequest app, string machineId, string clientIp, string? refusal, CancellationToken cancellationToken)
    {
        var appId = app.NormalizedAppId;
        var view = await _groups.GetAsync(appId, app.Track ?? "", cancellationToken);
        if (view is not null)
        {
            var cached = _machines.OwnsStore || app.Events.All(IsRebootReport) ? _machines.Find(appId, machineId) : null;
            var state = cached ?? await ReadStateAsync(appId, machineId, cancellationToken);
            if (IsRoutine(app, state, view, trusted: refusal is null))
            {
                var now = _time.GetUtcNow();
                var seen = new InstanceRow
                {
                    AppId = appId,
                    MachineId = machineId,
                    Status = state.Status,
                    UpdateVersion = state.UpdateVersion,
                    LastErrorCode = state.LastErrorCode,
                    // Written only when the machine has no row yet: a stored first sighting is never replaced.
                    FirstSeenAt = now.ToUnixTimeMilliseconds(),
                };
                InstanceObservation.Apply(seen, app, view, clientIp, now);
                await _touches.EnqueueAsync(seen, cancellationToken);
                if (MachineState.IsUnknown(state))
                {
                    // Its row is on its way: its next request is not a new machine's (which the cap on new machines counts).
                    _machines.Remember(appId, machineId, MachineState.Of(seen), _machines.StartRead());
                }

                _metrics.Checked(app.UpdateCheck ? CheckOutcomes.Routine : CheckOutcomes.EventsOnly);
                return new OmahaAppResponse(app.AppId, OmahaAppStatus.Ok, app.Ping is not null, app.UpdateCheck ? NoUpdate : null, app.Events.Count);
            }
        }

        return await HandleInTransactionAsync(new StatusCheck(app, appId, machineId, clientIp, refusal), cancellationToken);
    }

    /// <summary>
    /// The "updated and rebooted" report (3/2) that update_engine puts in every check. An event moves a machine only
    /// while it holds a grant, and on a store replicas share, another replica may have granted this machine within the
    /// second the cache may lag, so a request with events is judged from the machine's row - except this one: it moves
    /// a machine only once it runs the version it was granted, which takes a download and a reboot after the grant,
    /// never that second.
    /// </summary>
    private static bool IsRebootReport(OmahaEvent omahaEvent) =>
        omahaEvent is { Type: OmahaEventType.UpdateComplete, Result: OmahaEventResult.SuccessReboot };

    private async Task<MachineState> ReadStateAsync(string appId, string machineId, CancellationToken cancellationToken)
    {
        var readStarted = _machines.StartRead();
        var state = await _reader.ReadAsync(appId, machineId, cancellationToken);
        _machines.Remember(appId, machineId, state, readStarted);
        return state;
    }

    private static InstanceRow NewInstance(string appId, string machineId, DateTimeOffset now) => new()
    {
        AppId = appId,
        MachineId = machineId,
        Status = InstanceStatus.Undefined,
        FirstSeenAt = now.ToUnixTimeMilliseconds(),
    };

    /// <summary>
    /// A request that changes nothing but when the machine was last seen: its events cannot move it (it holds
    /// no grant, or the request is not trusted to act for it), it is not held back, and its group has nothing newer for it.
    /// </summary>
    private static bool IsRoutine(OmahaAppRequest app, MachineState stored, GroupView view, bool trusted) =>
        !(trusted && app.Events.Count > 0 && (InstanceStatus.IsInProgress(stored.Status) || app.Events.Any(e => IsRollbackAfterFailure(stored, e))))
        && (!app.UpdateCheck
            || (stored.Status != InstanceStatus.OnHold && !(view.Package is { } package && OmahaVersion.IsNewer(package.Version, app.Version))));

    /// <summary>
    /// A request that may change the machine's status: decided and recorded in a write transaction (shared with
    /// other such requests, see <see cref="GroupCommit{TWork, TResult}"/>) that re-reads everything it decides on,
    /// and answered after it commits.
    /// </summary>
    private async Task<OmahaAppResponse> HandleInTransactionAsync(StatusCheck work, CancellationToken cancellationToken)
    {
        OmahaAppResponse response;
        CheckContext? check;
        try
        {
            (response, check) = await _commits.RunAsync(work, cancellationToken);
        }
        catch (Exception)
        {
            // Whether it committed is unknown (a cancelled wait, say): the next request reads the row.
            _machines.Forget(work.AppId, work.MachineId);
            throw;
        }

        if (check is not null)
        {
            _machines.Written(check.Instance);
            LogOutcome(check);
        }

        CountOutcome(work.App, check, response);
        return response;
    }

    /// <summary>The memo key (with a group id) of "this transaction holds the group's row".</summary>
    private const string GroupLocked = "group-locked";

    /// <summary>The memo key (with a group id and version) of "this transaction granted that rollout".</summary>
    private const string RolloutGranted = "rollout-granted";

    /// <summary>Rollouts (group id, version) with a committed grant: the "rollout started" question is asked once.</summary>
    private readonly ConcurrentDictionary<(string GroupId, string Version), bool> _startedRollouts = new();

    /// <summary>One app's request that may change its machine's status; <paramref name="Refusal"/> says why it may not.</summary>
    private sealed record StatusCheck(OmahaAppRequest App, string AppId, string MachineId, string ClientIp, string? Refusal);

    private async Task<(OmahaAppResponse, CheckContext?)> RunCheckAsync(
        DbConnection connection, DbTransaction transaction, StatusCheck work, BatchMemo memo)
    {
        var (app, appId, machineId, clientIp, refusal) = work;
        // Groups change only by this transaction's units (a halt, which forgets every memo) or by others' commits,
        // which this transaction would not see anyway: one read per track is enough.
        var viewKey = (appId, Track: app.Track ?? "");
        if (!memo.TryGet<GroupView?>(viewKey, out var view))
        {
            view = await GroupResolver.ResolveAsync(connection, transaction, appId, app.Track ?? "");
            memo.Set(viewKey, view);
        }

        if (app.UpdateCheck && view is { Package: { } offered } && OmahaVersion.IsNewer(offered.Version, app.Version)
            && _database.Dialect.ForUpdate.Length > 0 && !memo.TryGet<bool>((GroupLocked, view.Group.Id), out _))
        {
            // This check may grant. Replicas sharing the database decide grants of one group in turn: the group's row
            // is held until this transaction commits, and the group and every count the rollout gate reads are read
            // after taking it, so they include every decision another replica committed.
            await connection.ExecuteAsync($"SELECT id FROM update_groups WHERE id = @Id{_database.Dialect.ForUpdate}", view.Group, transaction);
            memo.Set((GroupLocked, view.Group.Id), true);
            view = await GroupResolver.ResolveAsync(connection, transaction, appId, app.Track ?? "");
            memo.Set(viewKey, view);
        }

        if (view is null && !await ApplicationTable.ExistsAsync(connection, transaction, appId))
        {
            return (new OmahaAppResponse(app.AppId, OmahaAppStatus.UnknownApplication, Ping: false, UpdateCheck: null, EventCount: 0), null);
        }

        var now = _time.GetUtcNow();
        var writes = memo.Part<CheckWrites>();
        var check = new CheckContext(connection, transaction, memo, app, view, now, writes.Rows[(appId, machineId)], clientIp, appId, machineId);
        // A request that may not act for its machine reports nothing that counts: its events are acknowledged and dropped.
        foreach (var omahaEvent in refusal is null ? app.Events : [])
        {
            ApplyEvent(check, omahaEvent);
        }

        OmahaUpdateCheckResponse? updateCheck = null;
        if (app.UpdateCheck)
        {
            updateCheck = await CheckForUpdateAsync(check, refusal, CancellationToken.None);
        }

        writes.Record(check.Instance, check.History, check.Activity);

        if (check.GroupHalted && view is not null)
        {
            await connection.ExecuteAsync(
                "UPDATE update_groups SET updates_enabled = 0, paused_reason = @PausedReason WHERE id = @Id",
                view.Group,
                transaction);
            await _groups.InvalidateAsync(connection, transaction);
            memo.Clear();
        }

        return (new OmahaAppResponse(app.AppId, OmahaAppStatus.Ok, app.Ping is not null, updateCheck, app.Events.Count), check);
    }

    /// <summary>
    /// Begins a transaction of checks: reads the rows of all of its machines at once. A row read here may be a moment
    /// older than the group locks taken after it; only two requests of one machine at the same moment through two
    /// replicas could tell, and the rollout counts are still read after the locks.
    /// </summary>
    private async Task ReadRowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StatusCheck> checks, BatchMemo memo)
    {
        var rows = memo.Part<CheckWrites>().Rows;
        foreach (var app in checks.GroupBy(check => check.AppId))
        {
            var machineIds = app.Select(check => check.MachineId).ToList();
            var found = await InstanceTable.FindManyAsync(connection, transaction, _database.Dialect, app.Key, machineIds);
            foreach (var machineId in machineIds)
            {
                rows[(app.Key, machineId)] = found.GetValueOrDefault(machineId);
            }
        }
    }

    /// <summary>Writes what the transaction's checks deferred: before the commit, and before a count reads it.</summary>
    private Task WriteDeferredAsync(BatchMemo memo) => memo.Part<CheckWrites>().FlushAsync(memo.Statements, _database);

    /// <summary>
    /// The machines of one transaction of checks: their rows, read when it begins and replaced by each check, and
    /// what the checks write, deferred until the transaction ends or a count must see it, so that a batch of checks
    /// costs a few statements rather than a few for each check.
    /// </summary>
    private sealed class CheckWrites
    {
        private readonly Dictionary<(string, string), InstanceRow> _instances = [];
        private readonly List<HistoryRow> _history = [];
        private readonly List<ActivityRow> _activity = [];

        /// <summary>Each machine's row as the transaction has it now; null for a machine without one.</summary>
        public Dictionary<(string AppId, string MachineId), InstanceRow?> Rows { get; } = [];

        public void Record(InstanceRow instance, List<HistoryRow> history, List<ActivityRow> activity)
        {
            Rows[(instance.AppId, instance.MachineId)] = instance;
            _instances[(instance.AppId, instance.MachineId)] = instance;
            _history.AddRange(history);
            _activity.AddRange(activity);
        }

        /// <summary>Writes what was recorded: before a statement reads what it wrote, and before the commit.</summary>
        public async Task FlushAsync(Statements statements, Database database)
        {
            if (_instances.Count > 0)
            {
                await InstanceTable.UpsertAsync(statements, database.Dialect, _instances.Values);
                _instances.Clear();
            }

            if (_history.Count > 0)
            {
                await InstanceTable.AppendHistoryAsync(statements, database.Dialect, _history);
                _history.Clear();
            }

            foreach (var entry in _activity)
            {
                await ActivityLog.AppendAsync(statements.Connection, statements.Transaction, entry);
            }

            _activity.Clear();
        }
    }

    public ValueTask DisposeAsync() => _commits.DisposeAsync();


    private void CountOutcome(OmahaAppRequest app, CheckContext? check, OmahaAppResponse response)
    {
        if (check is null)
        {
            _metrics.Checked(CheckOutcomes.UnknownApp);
        }
        else if (check.HeldFor is { } reason)
        {
            _metrics.Held(reason);
        }
        else if (check.Granted is not null)
        {
            _metrics.Checked(CheckOutcomes.Granted);
            _metrics.Granted(check.View!.Group.Name);
        }
        else
        {
            _metrics.Checked(!app.UpdateCheck ? CheckOutcomes.EventsOnly
                : response.UpdateCheck?.Status == OmahaUpdateCheckStatus.Ok ? CheckOutcomes.Reoffered
                : CheckOutcomes.NoUpdate);
        }
    }

    /// <summary>What a committed check did that an operator follows: grants, failures, a halted group.</summary>
    private void LogOutcome(CheckContext check)
    {
        var instance = check.Instance;
        var group = check.View?.Group.Name ?? "(none)";
        foreach (var (from, to, code) in check.Failures)
        {
            LogFailed(instance.MachineId, group, from, to, OmahaErrorCodes.Describe(code));
        }

        if (check.GroupHalted)
        {
            LogHalted(group, check.View!.Group.PausedReason ?? "");
        }

        if (check.Granted is { } version)
        {
            LogGranted(instance.MachineId, group, instance.Version, version);
        }
    }

    /// <summary>
    /// Events move a machine only while it holds a grant, as in Nebraska; others are acknowledged and dropped - except
    /// a rollback reported after the update ended, so that the machine is known to be back on its old version.
    /// </summary>
    private static void ApplyEvent(CheckContext check, OmahaEvent omahaEvent)
    {
        var instance = check.Instance;
        if (!InstanceStatus.IsInProgress(instance.Status) && !IsRollbackAfterFailure(MachineState.Of(instance), omahaEvent))
        {
            return;
        }

        switch (omahaEvent)
        {
            case { Type: OmahaEventType.UpdateDownloadStarted, Result: OmahaEventResult.Success }:
                check.SetStatus(InstanceStatus.Downloading, null);
                break;
            case { Type: OmahaEventType.UpdateDownloadFinished, Result: OmahaEventResult.Success }:
                check.SetStatus(InstanceStatus.Downloaded, null);
                break;
            case { Type: OmahaEventType.UpdateComplete, Result: OmahaEventResult.Success }:
                check.SetStatus(InstanceStatus.Installed, "installed; waiting for the reboot");
                break;
            case { Type: OmahaEventType.UpdateComplete, Result: OmahaEventResult.SuccessReboot }
                when instance.Version == instance.UpdateVersion:
                // The first check after the reboot, from the new version.
                check.SetStatus(InstanceStatus.Complete, null);
                break;
            case { Result: OmahaEventResult.Error }:
                RecordFailure(check, omahaEvent.ErrorCode ?? 0);
                break;
        }
    }

    /// <summary>
    /// A machine reports falling back (44) after its update ended: after it failed on the new boot (Keelson's agent
    /// reports that), or after it completed and was then rolled back by hand.
    /// </summary>
    private static bool IsRollbackAfterFailure(MachineState instance, OmahaEvent omahaEvent) =>
        instance.Status is InstanceStatus.Error or InstanceStatus.Complete
        && instance.UpdateVersion is not null
        && omahaEvent is { Result: OmahaEventResult.Error, ErrorCode: { } code }
        && OmahaErrorCodes.WithoutFlags(code) == OmahaErrorCodes.Rollback
        && (instance.LastErrorCode is not { } last || OmahaErrorCodes.WithoutFlags(last) != OmahaErrorCodes.Rollback);

    private static void RecordFailure(CheckContext check, long errorCode)
    {
        var instance = check.Instance;
        var rolledBack = OmahaErrorCodes.WithoutFlags(errorCode) == OmahaErrorCodes.Rollback;
        var reason = rolledBack
            ? $"rolled back from {instance.UpdateVersion} to {instance.Version}"
            : $"update to {instance.UpdateVersion} failed: {OmahaErrorCodes.Describe(errorCode)}";
        instance.LastErrorCode = errorCode;
        check.Failures.Add((instance.Version, instance.UpdateVersion ?? "?", errorCode));
        check.SetStatus(InstanceStatus.Error, reason, errorCode);
        check.Log(ActivityKind.InstanceUpdateFailed, ActivitySeverity.Warning, instance.UpdateVersion, $"machine {instance.MachineId}: {reason}");

        var group = check.View?.Group;
        if (group is { SafeMode: true, UpdatesEnabled: true })
        {
            group.UpdatesEnabled = false;
            group.PausedReason = $"safe mode halted the rollout of {instance.UpdateVersion}: machine {instance.MachineId} {reason}";
            check.GroupHalted = true;
            check.Log(ActivityKind.RolloutFailed, ActivitySeverity.Error, instance.UpdateVersion, group.PausedReason);
        }
    }

    private async Task<OmahaUpdateCheckResponse> CheckForUpdateAsync(CheckContext check, string? refusal, CancellationToken cancellationToken)
    {
        var instance = check.Instance;
        var view = check.View;
        if (view is null)
        {
            check.Hold(HoldReasons.NoGroup, $"no group or channel named '{check.App.Track}'");
            return NoUpdate;
        }

        var package = view.Package;
        if (package is null || !OmahaVersion.IsNewer(package.Version, instance.Version))
        {
            // Up to date, or the channel is older than the machine: never a downgrade.
            if (instance.Status == InstanceStatus.OnHold)
            {
                check.SetStatus(InstanceStatus.Undefined, null);
            }

            return NoUpdate;
        }

        if (refusal is not null)
        {
            // Never granted, so never counted in a limit; a machine that holds a grant keeps it and its status.
            check.Hold(HoldReasons.Untrusted, refusal, keepStatus: InstanceStatus.IsInProgress(instance.Status));
            return NoUpdate;
        }

        var group = view.Group;
        var policy = RolloutPolicy.From(group);
        var now = check.Now;
        var liveGrant = InstanceStatus.IsInProgress(instance.Status)
            && instance.UpdateVersion == package.Version
            && instance.UpdateGrantedAt is { } grantedAt
            && DateTimeOffset.FromUnixTimeMilliseconds(grantedAt) > now - policy.UpdateTimeout;
        if (liveGrant)
        {
            // The machine asks again before finishing (it restarted mid-download, say): it keeps its grant.
            return Offer(package);
        }

        if (instance.UpdateVersion == package.Version
            && instance.LastErrorCode is { } code
            && OmahaErrorCodes.WithoutFlags(code) == OmahaErrorCodes.Rollback)
        {
            check.Hold(HoldReasons.RolledBack, $"rolled back from {package.Version} before; waiting for a newer release");
            return NoUpdate;
        }

        var rolloutStarted = DateTimeOffset.FromUnixTimeMilliseconds(group.RolloutStartedAt ?? group.CreatedAt);
        // The counts read the rows and history this transaction wrote: what its checks deferred is written first.
        var counts = new GroupCounts(
            check.Connection, check.Transaction, _database.Dialect, group.Id, instance.MachineId,
            () => WriteDeferredAsync(check.Memo));
        var decision = await RolloutGate.DecideAsync(policy, instance.MachineId, package.Version, rolloutStarted, counts, now, cancellationToken);
        if (!decision.Granted)
        {
            check.Hold(decision.HoldKind!, decision.HoldReason!);
            return NoUpdate;
        }

        // Whether this is the rollout's first grant: once one is recorded in the transaction, it stays true; once one
        // is seen committed, it stays true for the process.
        var rollout = (group.Id, package.Version);
        var anyGrant = check.Memo.TryGet<bool>((RolloutGranted, rollout), out _) || _startedRollouts.ContainsKey(rollout);
        if (!anyGrant && (anyGrant = await counts.AnyGrantAsync(package.Version)))
        {
            // No check of this transaction granted it yet: the grant found was committed before.
            _startedRollouts.TryAdd(rollout, true);
        }

        check.Memo.Set((RolloutGranted, rollout), true);
        if (!anyGrant)
        {
            check.Log(ActivityKind.RolloutStarted, ActivitySeverity.Info, package.Version,
                $"rollout of {package.Version} to group {group.Name} started with machine {instance.MachineId}");
        }

        instance.UpdateVersion = package.Version;
        instance.UpdateGrantedAt = now.ToUnixTimeMilliseconds();
        instance.LastErrorCode = null;
        check.SetStatus(InstanceStatus.UpdateGranted, null);
        check.Granted = package.Version;
        return Offer(package);
    }

    private static OmahaUpdateCheckResponse NoUpdate { get; } = new(OmahaUpdateCheckStatus.NoUpdate);

    private OmahaUpdateCheckResponse Offer(PackageRow package)
    {
        var (codebase, name) = _urls.Locate(package);
        return new OmahaUpdateCheckResponse(
            OmahaUpdateCheckStatus.Ok,
            new OmahaManifest(
                package.Version,
                [new OmahaPackage(name, package.Sha1, package.Size, Sha256Base64: package.Sha256)],
                // No IsDeltaPayload: the server stores bytes and digests, not what kind of payload they are.
                new OmahaPostInstallAction(package.Sha256)),
            [codebase]);
    }

    /// <summary>The state of one app's handling inside its transaction.</summary>
    private sealed class CheckContext
    {
        public CheckContext(DbConnection connection, DbTransaction transaction, BatchMemo memo, OmahaAppRequest app, GroupView? view,
            DateTimeOffset now, InstanceRow? stored, string clientIp, string appId, string machineId)
        {
            Connection = connection;
            Transaction = transaction;
            Memo = memo;
            App = app;
            View = view;
            Now = now;
            Instance = stored ?? NewInstance(appId, machineId, now);
            InstanceObservation.Apply(Instance, app, view, clientIp, now);
        }

        public DbConnection Connection { get; }
        public DbTransaction Transaction { get; }
        public BatchMemo Memo { get; }
        public OmahaAppRequest App { get; }
        public GroupView? View { get; }
        public DateTimeOffset Now { get; }
        public InstanceRow Instance { get; }
        public List<HistoryRow> History { get; } = [];
        public List<ActivityRow> Activity { get; } = [];
        public bool GroupHalted { get; set; }

        /// <summary>The version this check granted, if it granted one.</summary>
        public string? Granted { get; set; }

        /// <summary>The failures the machine reported: the version it ran, the one it was updating to, the error code.</summary>
        public List<(string From, string To, long Code)> Failures { get; } = [];

        /// <summary>Why this check held the machine back (one of <see cref="HoldReasons"/>), if it did.</summary>
        public string? HeldFor { get; private set; }

        public void Hold(string kind, string reason, bool keepStatus = false)
        {
            HeldFor = kind;
            if (!keepStatus)
            {
                SetStatus(InstanceStatus.OnHold, reason);
            }
        }

        /// <summary>Sets the status; a change of status (not of reason alone) goes into the history.</summary>
        public void SetStatus(string status, string? reason, long? errorCode = null)
        {
            // A new error is history even when the machine was already in Error (a rollback after a failed boot).
            var changed = Instance.Status != status || errorCode is not null;
            Instance.Status = status;
            Instance.StatusReason = reason;
            if (changed)
            {
                History.Add(new HistoryRow
                {
                    AppId = Instance.AppId,
                    MachineId = Instance.MachineId,
                    GroupId = Instance.GroupId,
                    Status = status,
                    Version = Instance.Version,
                    UpdateVersion = Instance.UpdateVersion,
                    ErrorCode = errorCode,
                    Message = reason,
                    CreatedAt = Now.ToUnixTimeMilliseconds(),
                });
            }
        }

        public void Log(string kind, string severity, string? version, string message) =>
            Activity.Add(new ActivityRow
            {
                AppId = Instance.AppId,
                Kind = kind,
                Severity = severity,
                GroupName = View?.Group.Name,
                ChannelName = View?.Channel.Name,
                Version = version,
                MachineId = Instance.MachineId,
                Message = message,
                CreatedAt = Now.ToUnixTimeMilliseconds(),
            });
    }

    /// <summary>The group facts the rollout gate asks for, read inside the check's transaction.</summary>
    private sealed class GroupCounts(
        DbConnection connection, DbTransaction transaction, SqlDialect dialect, string groupId, string machineId, Func<Task> flush) : IRolloutCounts
    {
        public async Task<int> InProgressAsync(string version, DateTimeOffset grantedAfter, CancellationToken cancellationToken)
        {
            await flush();
            return (int)await connection.ExecuteScalarAsync<long>(
                $"""
                SELECT COUNT(*) FROM instances
                WHERE group_id = @groupId AND update_version = @version AND machine_id <> @machineId
                  AND {dialect.In("status", "@inProgress")} AND update_granted_at > @after
                """,
                new { groupId, version, machineId, inProgress = InstanceStatus.InProgress.ToArray(), after = grantedAfter.ToUnixTimeMilliseconds() },
                transaction);
        }

        public Task<bool> AnyCompletedAsync(string version, CancellationToken cancellationToken) => AnyHistoryAsync(version, InstanceStatus.Complete);

        public async Task<int> GrantsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
        {
            await flush();
            return (int)await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM instance_history WHERE group_id = @groupId AND status = @status AND created_at >= @since",
                new { groupId, status = InstanceStatus.UpdateGranted, since = since.ToUnixTimeMilliseconds() },
                transaction);
        }

        public Task<bool> AnyGrantAsync(string version) => AnyHistoryAsync(version, InstanceStatus.UpdateGranted);

        private async Task<bool> AnyHistoryAsync(string version, string status)
        {
            await flush();
            return await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM instance_history WHERE group_id = @groupId AND update_version = @version AND status = @status LIMIT 1) AS found",
                new { groupId, version, status },
                transaction) > 0;
        }
    }
}
