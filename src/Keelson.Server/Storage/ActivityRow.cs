namespace Keelson.Server.Storage;

/// <summary>A row of <c>activity</c>: something an operator should be able to read back later.</summary>
public sealed class ActivityRow
{
    public long Id { get; set; }
    public string AppId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Severity { get; set; } = "";
    public string? GroupName { get; set; }
    public string? ChannelName { get; set; }
    public string? Version { get; set; }
    public string? MachineId { get; set; }
    public string Message { get; set; } = "";
    public long CreatedAt { get; set; }

    /// <summary>The token a change was made with; null for what machines and the server itself did.</summary>
    public string? Actor { get; set; }

    /// <summary>The address the change came from.</summary>
    public string? ActorAddress { get; set; }
}
