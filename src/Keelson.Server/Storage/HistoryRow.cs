namespace Keelson.Server.Storage;

/// <summary>A row of <c>instance_history</c>: one status change of one machine.</summary>
public sealed class HistoryRow
{
    public long Id { get; set; }
    public string AppId { get; set; } = "";
    public string MachineId { get; set; } = "";
    public string? GroupId { get; set; }
    public string Status { get; set; } = "";
    public string Version { get; set; } = "";
    public string? UpdateVersion { get; set; }
    public long? ErrorCode { get; set; }
    public string? Message { get; set; }
    public long CreatedAt { get; set; }
}
