using Microsoft.Extensions.Logging;

namespace Keelson.Server.Catalog;

/// <summary>The catalog's changes as an operator follows them in the server's log.</summary>
public sealed partial class CatalogService
{
    [LoggerMessage(EventId = ServerEventIds.PackagePublished, Level = LogLevel.Information,
        Message = "Published {Version} of app {AppId}: {FileName}, {Size} bytes, downloaded from {Host}")]
    private partial void LogPublished(string version, string appId, string fileName, long size, string host);

    [LoggerMessage(EventId = ServerEventIds.ChannelMoved, Level = LogLevel.Information, Message = "Channel {Channel} now offers {Version}: {Change}")]
    private partial void LogChannelMoved(string channel, string version, string change);

    [LoggerMessage(EventId = ServerEventIds.Deleted, Level = LogLevel.Information, Message = "Deleted {Kind} {Name}: {Message}")]
    private partial void LogDeleted(string kind, string name, string message);
}
