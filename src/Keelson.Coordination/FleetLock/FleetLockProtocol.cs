namespace Keelson.Coordination.FleetLock;

/// <summary>
/// The fixed parts of the FleetLock protocol (Zincati's reboot-lock protocol): the two endpoints under a
/// deployment-specific base URL, the header every request must carry, and the bounds this implementation puts on
/// what a request may hold.
/// </summary>
public static class FleetLockProtocol
{
    /// <summary>Takes a reboot slot (the protocol's <c>RecursiveLock</c>).</summary>
    public const string PreRebootPath = "/v1/pre-reboot";

    /// <summary>Releases a reboot slot if held (the protocol's <c>UnlockIfHeld</c>).</summary>
    public const string SteadyStatePath = "/v1/steady-state";

    /// <summary>Must be present with the value <see cref="HeaderValue"/>, so that a request redirected by accident is refused.</summary>
    public const string HeaderName = "fleet-lock-protocol";

    public const string HeaderValue = "true";

    /// <summary>A request body is a few dozen bytes; anything larger than this is refused unread.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Keelson's bound on a client id (a machine id is 32 characters, a node name at most 253).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Keelson's bound on a group name.</summary>
    public const int MaxGroupLength = 128;

    /// <summary>The group Zincati uses when none is configured.</summary>
    public const string DefaultGroup = "default";

    /// <summary>The endpoint of <paramref name="operation"/> under <paramref name="baseUrl"/>, which may have a path of its own.</summary>
    public static Uri EndpointUrl(Uri baseUrl, FleetLockOperation operation)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + Path(operation));
    }

    public static string Path(FleetLockOperation operation) => operation switch
    {
        FleetLockOperation.PreReboot => PreRebootPath,
        FleetLockOperation.SteadyState => SteadyStatePath,
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "not a FleetLock operation"),
    };

    /// <summary>
    /// Checks a group name against the protocol's <c>^[a-zA-Z0-9.-]+$</c> (and Keelson's length bound);
    /// <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool IsValidGroup(string? group, out string error)
    {
        if (string.IsNullOrEmpty(group))
        {
            error = "group is empty; it must match ^[a-zA-Z0-9.-]+$";
            return false;
        }

        if (group.Length > MaxGroupLength)
        {
            error = $"group '{Shorten(group)}' is longer than {MaxGroupLength} characters";
            return false;
        }

        // Checked character by character: a regex '$' would also accept a trailing newline.
        foreach (var c in group)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                error = $"group '{Shorten(group)}' must match ^[a-zA-Z0-9.-]+$ ('{Printable(c)}' is not allowed)";
                return false;
            }
        }

        error = "";
        return true;
    }

    /// <summary>
    /// Checks a client id: non-empty and case-sensitive as the protocol says; Keelson also bounds its length and
    /// refuses control characters, since ids are shown to operators.
    /// </summary>
    public static bool IsValidId(string? id, out string error)
    {
        if (string.IsNullOrEmpty(id))
        {
            error = "id is empty; it must be the client's non-empty identifier (e.g. its machine id)";
            return false;
        }

        if (id.Length > MaxIdLength)
        {
            error = $"id '{Shorten(id)}' is longer than {MaxIdLength} characters";
            return false;
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                error = $"id '{Shorten(id)}' contains a control character ('{Printable(c)}')";
                return false;
            }
        }

        error = "";
        return true;
    }

    internal static string Shorten(string text)
    {
        var shown = text.Length <= 80 ? text : text[..80] + "...";
        return string.Concat(shown.Select(Printable));
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
