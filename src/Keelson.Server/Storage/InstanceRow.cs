namespace Keelson.Server.Storage;

/// <summary>A row of <c>instances</c>: one machine as the update service last saw it.</summary>
public sealed class InstanceRow
{
    public string AppId { get; set; } = "";
    public string MachineId { get; set; } = "";
    public string Alias { get; set; } = "";
    public string Ip { get; set; } = "";
    public string Oem { get; set; } = "";
    public string OemVersion { get; set; } = "";
    public string Board { get; set; } = "";
    public string AlephVersion { get; set; } = "";
    public string Version { get; set; } = "";
    public string Track { get; set; } = "";
    public string? GroupId { get; set; }
    public string Status { get; set; } = "";
    public string? StatusReason { get; set; }
    /// <summary>The version the machine was last granted, and when.</summary>
    public string? UpdateVersion { get; set; }
    public long? UpdateGrantedAt { get; set; }
    public long? LastErrorCode { get; set; }
    public long FirstSeenAt { get; set; }
    public long LastCheckAt { get; set; }
}
