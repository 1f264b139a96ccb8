using System.Globalization;
using Keelson.Omaha;
using Keelson.Server.Updates;

namespace Keelson.Server.Dashboard.Components;

/// <summary>How the dashboard writes numbers, times, statuses and errors, the same on every page.</summary>
internal static class Show
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(long part, long total) =>
        total == 0 ? "0" : (100.0 * part / total).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>UTC, to the second; the page's script shows it in the reader's time zone.</summary>
    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>An update_engine error code with its name: <c>rollback (44)</c>.</summary>
    public static string Error(long code) => OmahaErrorCodes.Describe(code);

    /// <summary>A status as a person reads it: "on hold", "update granted".</summary>
    public static string Status(string status) => status switch
    {
        InstanceStatus.UpdateGranted => "update granted",
        InstanceStatus.OnHold => "on hold",
        InstanceStatus.Undefined => "idle",
        _ => status.ToLowerInvariant(),
    };

    /// <summary>The CSS class of a status: its stage's colour.</summary>
    public static string StatusClass(string status) => status switch
    {
        InstanceStatus.Complete => "s-complete",
        InstanceStatus.Error => "s-error",
        InstanceStatus.OnHold => "s-hold",
        InstanceStatus.Undefined => "s-idle",
        _ => "s-updating",
    };

    /// <summary>A machine id shortened for tables; the full id is in the link and its title.</summary>
    public static string ShortId(string id) => id.Length > 12 ? id[..12] + "…" : id;
}
