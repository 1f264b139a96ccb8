using Microsoft.Extensions.Logging;

namespace Keelson.Server.Updates;

/// <summary>The fleet's updates as an operator follows them in the server's log; routine checks log nothing.</summary>
public sealed partial class UpdateService
{
    [LoggerMessage(EventId = ServerEventIds.UpdateGranted, Level = LogLevel.Information,
        Message = "Granted machine {MachineId} in group {Group} the update {FromVersion} -> {ToVersion}")]
    private partial void LogGranted(string machineId, string group, string fromVersion, string toVersion);

    [LoggerMessage(EventId = ServerEventIds.UpdateFailed, Level = LogLevel.Warning,
        Message = "Machine {MachineId} in group {Group} failed the update {FromVersion} -> {ToVersion}: {Error}")]
    private partial void LogFailed(string machineId, string group, string fromVersion, string toVersion, string error);

    [LoggerMessage(EventId = ServerEventIds.GroupHalted, Level = LogLevel.Warning, Message = "Group {Group} halted: {Reason}")]
    private partial void LogHalted(string group, string reason);
}
