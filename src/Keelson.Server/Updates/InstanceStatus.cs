namespace Keelson.Server.Updates;

/// <summary>Where a machine stands in an update, as Nebraska names it.</summary>
public static class InstanceStatus
{
    public const string Undefined = "Undefined";
    public const string UpdateGranted = "UpdateGranted";
    public const string Downloading = "Downloading";
    public const string Downloaded = "Downloaded";
    public const string Installed = "Installed";
    public const string Complete = "Complete";
    public const string Error = "Error";
    public const string OnHold = "OnHold";

    public static IReadOnlyList<string> All { get; } =
        [Undefined, UpdateGranted, Downloading, Downloaded, Installed, Complete, Error, OnHold];

    /// <summary>Statuses of a machine that holds a grant and has not finished with it.</summary>
    public static IReadOnlyList<string> InProgress { get; } = [UpdateGranted, Downloading, Downloaded, Installed];

    public static bool IsInProgress(string status) => InProgress.Contains(status);
}
