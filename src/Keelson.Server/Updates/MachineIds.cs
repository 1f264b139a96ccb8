using Keelson.Omaha;

namespace Keelson.Server.Updates;

/// <summary>Machine ids as the server keys instances: /etc/machine-id's 32 hex digits, or any short token.</summary>
public static class MachineIds
{
    public const int MaxLength = 128;

    /// <summary>
    /// The id that names the machine behind <paramref name="app"/>, in lower case: update_engine's
    /// <c>&lt;app machineid&gt;</c>; else the <c>userid</c> other Omaha clients send, on the app (older Omaha) or on
    /// the request (newer). Neither, or a malformed one, is a bad request naming the attribute.
    /// </summary>
    public static string Of(OmahaRequest request, OmahaAppRequest app)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(app);
        var (id, attribute) =
            IsPresent(app.MachineId) ? (app.MachineId!, "<app> attribute 'machineid'")
            : IsPresent(app.UserId) ? (app.UserId!, "<app> attribute 'userid'")
            : IsPresent(request.UserId) ? (request.UserId!, "<request> attribute 'userid'")
            : throw new OmahaFormatException(
                "<app> has no 'machineid' and no 'userid', nor has <request> a 'userid': one of them must name the machine");
        return Normalize(id.Trim(), attribute);
    }

    private static bool IsPresent(string? id) => !string.IsNullOrWhiteSpace(id);

    private static string Normalize(string id, string attribute)
    {
        if (id.Length > MaxLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '{' or '}'))
        {
            throw new OmahaFormatException($"{attribute} must be at most {MaxLength} letters, digits and -_.:{{}}");
        }

        return id.ToLowerInvariant();
    }
}
