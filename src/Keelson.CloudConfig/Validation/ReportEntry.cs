using System.Globalization;

namespace Keelson.CloudConfig.Validation;

/// <summary>One finding about a cloud-config, at the line (1-based) of the key or value it concerns.</summary>
public sealed record ReportEntry(EntryKind Kind, int Line, string Message)
{
    /// <summary>"error", "warning" or "info", as coreos-cloudinit prints it.</summary>
    public string KindName => Kind switch
    {
        EntryKind.Error => "error",
        EntryKind.Warning => "warning",
        _ => "info",
    };

    /// <summary><c>line N: kind: message</c>, coreos-cloudinit's format.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"line {Line}: {KindName}: {Message}");
}
