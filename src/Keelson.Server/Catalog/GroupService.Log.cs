using Microsoft.Extensions.Logging;

namespace Keelson.Server.Catalog;

/// <summary>An operator's changes to groups as the server's log tells them.</summary>
public sealed partial class GroupService
{
    [LoggerMessage(EventId = ServerEventIds.GroupPaused, Level = LogLevel.Information, Message = "Group {Group} paused by an operator: no updates are offered")]
    private partial void LogPaused(string group);

    [LoggerMessage(EventId = ServerEventIds.GroupResumed, Level = LogLevel.Information, Message = "Group {Group} resumed: updates are offered again (was: {Was})")]
    private partial void LogResumed(string group, string was);

    [LoggerMessage(EventId = ServerEventIds.Deleted, Level = LogLevel.Information, Message = "Deleted group {Group}: {Message}")]
    private partial void LogDeleted(string group, string message);
}
