namespace Keelson.Server.Storage;

/// <summary>A row of <c>update_groups</c>: machines that follow one channel under one rollout policy.</summary>
public sealed class GroupRow
{
    public string Id { get; set; } = "";
    public string AppId { get; set; } = "";
    public string Name { get; set; } = "";
    public string ChannelId { get; set; } = "";
    public bool UpdatesEnabled { get; set; }
    public string? PausedReason { get; set; }
    public bool SafeMode { get; set; }
    public int MaxUpdatesPerPeriod { get; set; }
    public long PeriodSeconds { get; set; }
    public long UpdateTimeoutSeconds { get; set; }
    /// <summary>Maintenance windows separated by ';', each as <see cref="Keelson.Coordination.TimeWindow"/> writes it.</summary>
    public string Windows { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";
    public long RampSeconds { get; set; }
    /// <summary>The package the group's current rollout started with, and when (the ramp's origin).</summary>
    public string? RolloutPackageId { get; set; }
    public long? RolloutStartedAt { get; set; }
    public long CreatedAt { get; set; }
}
