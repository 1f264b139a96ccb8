namespace Keelson.Server.Metrics;

/// <summary>The <c>outcome</c> label of <c>keelson_omaha_checks_total</c>: how one app of an Omaha request was answered.</summary>
public static class CheckOutcomes
{
    /// <summary>Answered from the cached group state: up to date, nothing to change but when the machine was seen.</summary>
    public const string Routine = "routine";

    /// <summary>Checked in a transaction and answered "no update" (up to date, or only events changed something).</summary>
    public const string NoUpdate = "noupdate";

    /// <summary>An update was granted now.</summary>
    public const string Granted = "granted";

    /// <summary>A grant the machine already holds was offered again (it asked again before finishing).</summary>
    public const string Reoffered = "reoffered";

    /// <summary>The rollout policy held the machine back (<c>keelson_omaha_holds_total</c> says why).</summary>
    public const string Held = "held";

    /// <summary>The request carried only events or a ping, no update check.</summary>
    public const string EventsOnly = "events_only";

    /// <summary>The app id is not one the server holds.</summary>
    public const string UnknownApp = "unknown_app";

    /// <summary>The request was refused before any app was looked at: malformed XML (400) or too large (413).</summary>
    public const string Refused = "refused";

    /// <summary>A machine never seen before was refused by the cap on new machines (429) and not recorded.</summary>
    public const string Limited = "limited";

    /// <summary>The server failed answering (a storage error): HTTP 500.</summary>
    public const string Error = "error";

    public static IReadOnlyList<string> All { get; } = [Routine, NoUpdate, Granted, Reoffered, Held, EventsOnly, UnknownApp, Refused, Limited, Error];
}
