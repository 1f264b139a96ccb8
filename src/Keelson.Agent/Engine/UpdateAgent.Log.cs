using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Engine;

/// <summary>The agent's log messages; event ids 100-199.</summary>
public sealed partial class UpdateAgent
{
    [LoggerMessage(100, LogLevel.Information, "Started on {Slot} running {Version}; group {Group}, server {Server}, reboot strategy {Strategy}")]
    private partial void LogStarted(string slot, string version, string group, string server, string strategy);

    [LoggerMessage(101, LogLevel.Information, "Configuration reloaded: group {Group}, server {Server}, reboot strategy {Strategy}")]
    private partial void LogReloaded(string group, string server, string strategy);

    [LoggerMessage(102, LogLevel.Error, "Configuration not reloaded, keeping the last good one: {Error}")]
    private partial void LogReloadFailed(string error);

    [LoggerMessage(103, LogLevel.Debug, "State {From} -> {To}")]
    private partial void LogState(string from, string to);

    [LoggerMessage(104, LogLevel.Information, "Command {Command} (while {State})")]
    private partial void LogCommand(string command, string state);

    [LoggerMessage(105, LogLevel.Information, "Command {Command} refused while {State}")]
    private partial void LogCommandRefused(string command, string state);

    [LoggerMessage(110, LogLevel.Warning, "The update to {Version} did not stay: the machine booted {Slot} running {Running}")]
    private partial void LogRolledBack(string version, string slot, string running);

    [LoggerMessage(111, LogLevel.Information, "Marked {Slot} ({Version}) good")]
    private partial void LogMarkedGood(string slot, string version);

    [LoggerMessage(112, LogLevel.Error, "{Version} on {Slot} failed its health checks: {Failures}")]
    private partial void LogUnhealthy(string version, string slot, string failures);

    [LoggerMessage(113, LogLevel.Critical, "No slot to fall back to: {Other} is not bootable; staying on the unhealthy boot")]
    private partial void LogNoFallback(string other);

    [LoggerMessage(114, LogLevel.Information, "The update to {Version} is installed in {Slot} and waits for a reboot")]
    private partial void LogPendingReboot(string version, string slot);

    [LoggerMessage(120, LogLevel.Warning, "Update check failed: {Error}")]
    private partial void LogCheckFailed(string error);

    [LoggerMessage(121, LogLevel.Information, "{Why}")]
    private partial void LogOfferIgnored(string why);

    [LoggerMessage(122, LogLevel.Information, "Updating to {Version} ({Size} bytes) from {Running}")]
    private partial void LogUpdating(string version, long size, string running);

    [LoggerMessage(126, LogLevel.Information, "Resuming the download of {Version} at byte {Held} of {Size}")]
    private partial void LogResuming(string version, long held, long size);

    [LoggerMessage(127, LogLevel.Information, "Installing {Version} into {Slot}")]
    private partial void LogInstalling(string version, string slot);

    [LoggerMessage(123, LogLevel.Information, "Installed {Version} into {Slot}")]
    private partial void LogInstalled(string version, string slot);

    [LoggerMessage(124, LogLevel.Error, "The update to {Version} failed (error code {Code}): {Error}")]
    private partial void LogUpdateFailed(string version, long code, string error);

    [LoggerMessage(125, LogLevel.Warning, "Event {Type}/{Result} not reported: {Error}")]
    private partial void LogReportFailed(int type, int result, string error);

    [LoggerMessage(135, LogLevel.Information, "Reboot strategy: {Decision}")]
    private partial void LogRebootDecision(string decision);

    [LoggerMessage(130, LogLevel.Information, "Reboot: {What}")]
    private partial void LogRebootWaiting(string what);

    [LoggerMessage(136, LogLevel.Information, "Took the reboot lock ({Lock}): {Slots}")]
    private partial void LogLockTaken(string @lock, string slots);

    [LoggerMessage(137, LogLevel.Information, "Holds the reboot lock already ({Lock}): {Slots}")]
    private partial void LogLockAlreadyHeld(string @lock, string slots);

    [LoggerMessage(131, LogLevel.Warning, "Rebooting into {Slot}: {Reason}")]
    private partial void LogRebooting(string reason, string slot);

    [LoggerMessage(138, LogLevel.Warning, "Not rebooting into {Slot} with kexec: {Why}; rebooting through the firmware")]
    private partial void LogKexecUnavailable(string slot, string why);

    [LoggerMessage(139, LogLevel.Error, "The reboot into {Slot} failed (error code {Code}): {Error}; trying again in {Seconds} s")]
    private partial void LogRebootFailed(string slot, long code, string error, double seconds);

    [LoggerMessage(132, LogLevel.Information, "Released the reboot lock ({Lock})")]
    private partial void LogLockReleased(string @lock);

    [LoggerMessage(133, LogLevel.Warning, "Could not release the reboot lock: {Error}")]
    private partial void LogLockReleaseFailed(string error);

    [LoggerMessage(134, LogLevel.Warning, "Keeping the reboot lock ({Lock}) after a rollback, so that no other machine reboots into the failed release")]
    private partial void LogLockKept(string @lock);

    [LoggerMessage(141, LogLevel.Warning, "No control socket at {Path} ({Error}); keelson agent status|check|... cannot reach this agent")]
    private partial void LogNoControlSocket(string path, string error);

    [LoggerMessage(142, LogLevel.Information, "Serving metrics at {Url}")]
    private partial void LogServingMetrics(string url);

    [LoggerMessage(143, LogLevel.Warning, "No metrics on {Address} ({Error}); KEELSON_METRICS_LISTEN is set, but nothing serves it")]
    private partial void LogNoMetrics(string address, string error);

    [LoggerMessage(140, LogLevel.Warning, "Status not saved: {Error}")]
    private partial void LogStatusNotSaved(string error);
}
