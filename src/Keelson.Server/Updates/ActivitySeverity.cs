namespace Keelson.Server.Updates;

/// <summary>How much an activity entry asks for an operator's attention.</summary>
public static class ActivitySeverity
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Error = "error";
}
