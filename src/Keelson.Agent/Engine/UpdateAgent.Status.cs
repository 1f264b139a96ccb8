using System.Globalization;
using Keelson.Agent.Configuration;
using Keelson.Agent.Status;
using Keelson.Disks;
using Keelson.Disks.Boot;

namespace Keelson.Agent.Engine;

/// <summary>The status, derived from the engine's state alone and published after every change.</summary>
public sealed partial class UpdateAgent
{
    private void Publish()
    {
        var state = _state;
        var now = _time.GetUtcNow();
        var (version, size, progress) = state switch
        {
            EngineState.Downloading d => (d.Offer.Version, d.Offer.Size, d.Progress),
            EngineState.Installing i => (i.Offer.Version, i.Offer.Size, i.Progress),
            EngineState.ReportingError r => (r.Offer.Version, r.Offer.Size, 0),
            EngineState.UpdateInstalled u => (u.Update.Version, u.Update.Size, 1),
            EngineState.WaitingForReboot w => (w.Update.Version, w.Update.Size, 1),
            EngineState.Rebooting { Cause.Update: { } u } => (u.Version, u.Size, 1),
            EngineState.RebootFailed { Cause.Update: { } u } => (u.Version, u.Size, 1),
            _ => ("0.0.0.0", 0L, 0.0),
        };
        var details = new List<KeyValuePair<string, string>>
        {
            new("GROUP", _config?.Group ?? ""),
            new("SERVER", _config?.ServerShown ?? "disabled"),
            new("REBOOT_STRATEGY", _config is null ? "" : _config.RebootStrategy.Name()),
            new("REBOOT_DECISION", _decision),
            new("BOOT_BACKEND", _backend?.Kind.Name() ?? ""),
            new("REBOOT_METHOD", _config is null ? "" : _config.RebootMethod == RebootMethod.Kexec ? "kexec" : "firmware"),
            new("BOOTED_SLOT", _facts?.Booted.Label() ?? ""),
            new("RUNNING_VERSION", _facts?.Release.Version ?? ""),
            new("STATE", state.Name),
            new("BOOT", state is EngineState.BootPendingVerdict pending
                ? string.Create(CultureInfo.InvariantCulture, $"trial boot of {pending.Slot.Label()} ({pending.Version}): health checks in {Math.Max(0, (pending.ChecksAt - now).TotalSeconds):0} s")
                : _verdict?.Describe() ?? ""),
            new(AgentStatus.NextCheckDetail, state is EngineState.Idle { NextCheck: { } next } && _stoppedAt is null
                ? next.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : ""),
            new("REBOOT", RebootText(state)),
            new("REBOOT_LOCK", _saved.RebootLock ?? ""),
            new("LAST_ERROR", _lastFailure?.Message ?? ""),
            new("ERROR_CODE", _lastFailure?.Code.ToString(CultureInfo.InvariantCulture) ?? ""),
            new(AgentStatus.StoppedDetail, _stoppedAt?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? ""),
        };
        _status = new AgentStatus(_lastChecked, progress, state.Operation, version, size, details);
        _published = state;
        try
        {
            _store.SaveStatus(_status.Format());
        }
        catch (IOException e)
        {
            LogStatusNotSaved(e.Message);
        }
    }

    /// <summary>The failure <c>status</c> shows until the next check, counted in the metrics.</summary>
    private void RecordFailure(EngineFailure failure)
    {
        _lastFailure = failure;
        _metrics?.Failed(failure.Code);
    }

    private string RebootText(EngineState state) => state switch
    {
        EngineState.Rebooting rebooting => $"rebooting: {rebooting.Cause.Describe(rebooting.Target)}",
        EngineState.RebootFailed failed => string.Create(
            CultureInfo.InvariantCulture, $"{failed.Failure.Message}; next try at {failed.RetryAt:yyyy-MM-dd HH:mm:ss}Z"),
        EngineState.WaitingForReboot waiting => waiting.Wait.Text,
        _ when _saved.RebootLockKeptFor is { } failed && _saved.RebootLock is { } held =>
            $"holding the reboot lock ({held}) after the rollback of {failed}; an operator frees it after looking ({FreeLockHint()})",
        _ when _lockReleaseError is { } error => $"could not release the reboot lock: {error}",
        _ => "",
    };
}
