namespace Keelson.Disks;

/// <summary>
/// What reading found wrong with each copy of the GPT. Keelson reads the primary when it is valid and otherwise the
/// backup; a copy that is corrupt, stale (differs from the primary) or misplaced is rewritten from the good one by the
/// next write (<see cref="GptDisk.RepairAsync"/> or any attribute change), as <c>cgpt repair</c> does.
/// </summary>
/// <param name="PrimaryProblem">Why the primary header or entries cannot be used, or null when they are fine.</param>
/// <param name="BackupProblem">Why the backup header or entries cannot be used, or null when they are fine.</param>
public sealed record GptHealth(string? PrimaryProblem, string? BackupProblem)
{
    public static GptHealth Healthy { get; } = new(null, null);

    /// <summary>One copy is not what it should be; a write will restore both.</summary>
    public bool NeedsRepair => PrimaryProblem is not null || BackupProblem is not null;

    /// <summary>Which copy the table was read from.</summary>
    public string ReadFrom => PrimaryProblem is null ? "primary" : "backup";
}
