using System.Security;

namespace Keelson.Coordination;

/// <summary>
/// When a machine may reboot: any of <see cref="Windows"/>, read as wall-clock times in <see cref="Zone"/>.
/// No windows means any time. Written <c>Mon-Fri 02:00 2h; Sat,Sun 04:00 6h</c> with an IANA zone such as
/// <c>Europe/Berlin</c> (<see cref="TryParse"/>), or from locksmith's two settings (<see cref="TryParseLocksmith"/>).
/// </summary>
public sealed record RebootWindows(IReadOnlyList<TimeWindow> Windows, TimeZoneInfo Zone)
{
    // How far CurrentClosing follows windows that hand over to one another before calling the set "never closes".
    private static readonly TimeSpan s_closingHorizon = TimeSpan.FromDays(366 + 8);

    public IReadOnlyList<TimeWindow> Windows { get; init; } = Windows ?? throw new ArgumentNullException(nameof(Windows));

    public TimeZoneInfo Zone { get; init; } = Zone ?? throw new ArgumentNullException(nameof(Zone));

    /// <summary>Whether a reboot may start at <paramref name="now"/>: always with no windows, else inside any of them.</summary>
    public bool IsOpen(DateTimeOffset now) => Windows.Count == 0 || Windows.Any(window => window.IsOpen(now, Zone));

    /// <summary>The first instant at or after <paramref name="now"/> inside any window: <paramref name="now"/> if one is open.</summary>
    public DateTimeOffset NextOpening(DateTimeOffset now) =>
        Windows.Count == 0 ? now : Windows.Min(window => window.NextOpening(now, Zone));

    /// <summary>
    /// When the open stretch around <paramref name="now"/> ends - the first later instant outside every window, following
    /// windows that overlap or touch - or <see langword="null"/> if no window is open now.
    /// <see cref="DateTimeOffset.MaxValue"/> means it does not close within a year, as with no windows at all.
    /// </summary>
    public DateTimeOffset? CurrentClosing(DateTimeOffset now)
    {
        if (Windows.Count == 0)
        {
            return DateTimeOffset.MaxValue;
        }

        DateTimeOffset? closes = null;
        var at = now;
        while (true)
        {
            DateTimeOffset? stretch = null;
            foreach (var window in Windows)
            {
                if (window.CurrentClosing(at, Zone) is { } end && (stretch is null || end > stretch))
                {
                    stretch = end;
                }
            }

            if (stretch is null)
            {
                return closes;
            }

            // Each round moves to the end of a window that was open, so it only goes forwards.
            closes = at = stretch.Value;
            if (at == DateTimeOffset.MaxValue || at - now > s_closingHorizon)
            {
                return DateTimeOffset.MaxValue;
            }
        }
    }

    /// <summary>For status output: <c>Thu 04:00 for 1h30m (Europe/Berlin)</c>, several joined by <c>; </c>, or <c>any time</c>.</summary>
    public string Describe() =>
        Windows.Count == 0 ? "any time" : $"{string.Join("; ", Windows.Select(window => window.Describe()))} ({Zone.Id})";

    /// <summary>
    /// Parses windows separated by <c>;</c>, each as <see cref="TimeWindow.TryParse"/> reads it (empty: any time), in the
    /// IANA time zone <paramref name="zone"/> (empty or <c>local</c>: the machine's own). The error names the bad window or zone.
    /// </summary>
    public static bool TryParse(string? windows, string? zone, out RebootWindows? result, out string error)
    {
        result = null;
        if (!TryFindZone(zone, out var timeZone, out error))
        {
            return false;
        }

        var parsed = new List<TimeWindow>();
        if (!string.IsNullOrWhiteSpace(windows))
        {
            foreach (var text in windows.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!TimeWindow.TryParse(text, out var window, out var windowError))
                {
                    error = $"reboot window '{Shorten(text)}': {windowError}";
                    return false;
                }

                parsed.Add(window!);
            }

            // Text that holds no window is a mistake, not a request to reboot at any time.
            if (parsed.Count == 0)
            {
                error = $"reboot windows '{Shorten(windows)}' hold no window: expected windows such as 'Mon-Fri 02:00 2h', separated by ';'";
                return false;
            }
        }

        result = new RebootWindows(parsed, timeZone!);
        error = "";
        return true;
    }

    /// <summary>
    /// The window of locksmith's <c>REBOOT_WINDOW_START</c> and <c>REBOOT_WINDOW_LENGTH</c> (see
    /// <see cref="TimeWindow.TryParseLocksmith"/>) in <paramref name="zone"/>: both or neither (any time).
    /// </summary>
    public static bool TryParseLocksmith(string? start, string? length, string? zone, out RebootWindows? result, out string error)
    {
        result = null;
        if (!TryFindZone(zone, out var timeZone, out error))
        {
            return false;
        }

        var hasStart = !string.IsNullOrWhiteSpace(start);
        var hasLength = !string.IsNullOrWhiteSpace(length);
        if (hasStart != hasLength)
        {
            error = hasStart
                ? "reboot window start is set without a length: set both or neither"
                : "reboot window length is set without a start: set both or neither";
            return false;
        }

        if (!hasStart)
        {
            result = new RebootWindows([], timeZone!);
            return true;
        }

        if (!TimeWindow.TryParseLocksmith(start!, length!, out var window, out error))
        {
            return false;
        }

        result = new RebootWindows([window!], timeZone!);
        return true;
    }

    private static bool TryFindZone(string? zone, out TimeZoneInfo? timeZone, out string error)
    {
        error = "";
        var id = zone?.Trim();
        if (string.IsNullOrEmpty(id) || id.Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            timeZone = TimeZoneInfo.Local;
            return true;
        }

        try
        {
            timeZone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or SecurityException)
        {
            // A directory such as 'Europe' is found but cannot be read as a zone: SecurityException.
            timeZone = null;
            error = $"unknown time zone '{Shorten(id)}': expected an IANA name such as 'Europe/Berlin' or 'UTC' (from /usr/share/zoneinfo), or 'local'";
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
