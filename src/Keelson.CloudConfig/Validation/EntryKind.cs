namespace Keelson.CloudConfig.Validation;

/// <summary>How serious a report entry is. Only errors stop <c>apply</c>; any entry makes <c>validate</c> exit 1.</summary>
public enum EntryKind
{
    Error,
    Warning,
    Info,
}
