using Keelson.Omaha;

namespace Keelson.Server.Updates;

/// <summary>Machine ids as the server keys instances: /etc/machine-id's 32 hex digits, or any short token.</summary>
public static class MachineIds
{
    public const int MaxLength = 128;

    /// <summary>The id in lower case; a missing or malformed id is a bad request.</summary>
    public static string Normalize(string? machineId)
    {
        var id = machineId?.Trim() ?? "";
        if (id.Length == 0)
        {
            throw new OmahaFormatException("<app> attribute 'machineid' is missing or empty");
        }

        if (id.Length > MaxLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '{' or '}'))
        {
            throw new OmahaFormatException(
                $"<app> attribute 'machineid' must be at most {MaxLength} letters, digits and -_.:{{}}");
        }

        return id.ToLowerInvariant();
    }
}
