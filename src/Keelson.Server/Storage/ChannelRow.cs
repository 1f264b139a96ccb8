namespace Keelson.Server.Storage;

/// <summary>A row of <c>channels</c>: a named pointer to one package of an application.</summary>
public sealed class ChannelRow
{
    public string Id { get; set; } = "";
    public string AppId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? PackageId { get; set; }
    public long UpdatedAt { get; set; }
}
