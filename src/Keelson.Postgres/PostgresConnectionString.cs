using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Keelson.Postgres;

/// <summary>
/// Reads the PostgreSQL database a Keelson service is told to use: a URL
/// (<c>postgres://user:password@host:port/database?sslmode=require</c>, or <c>postgresql://</c>) or an Npgsql
/// connection string (<c>Host=db;Database=keelson;Username=keelson</c>). The one place both forms are read.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>The port a URL without one means.</summary>
    public const int DefaultPort = 5432;

    /// <summary>True when <paramref name="text"/> looks like a PostgreSQL location rather than something else.</summary>
    public static bool LooksLikePostgres(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || (text.Contains('=', StringComparison.Ordinal) && !text.Contains("://", StringComparison.Ordinal));
    }

    /// <summary>Parses a URL or a connection string; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out NpgsqlConnectionStringBuilder? builder, out string error)
    {
        builder = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no PostgreSQL database given";
            return false;
        }

        var result = text.Contains("://", StringComparison.Ordinal) ? ParseUrl(text, out error) : ParseKeywords(text, out error);
        if (result is null)
        {
            return false;
        }

        if (string.IsNullOrEmpty(result.Host))
        {
            error = $"'{Redact(text)}' names no host";
            return false;
        }

        if (string.IsNullOrEmpty(result.Database))
        {
            error = $"'{Redact(text)}' names no database";
            return false;
        }

        builder = result;
        return true;
    }

    /// <summary>Where the database is, for messages and logs: never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var user = string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@";
        return $"postgresql://{user}{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static NpgsqlConnectionStringBuilder? ParseUrl(string text, out string error)
    {
        error = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            error = $"'{Redact(text)}' is not a valid URL";
            return null;
        }

        if (uri.Scheme is not ("postgres" or "postgresql"))
        {
            error = $"'{Redact(text)}' is not a postgres:// or postgresql:// URL";
            return null;
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        if (builder.Database.Contains('/', StringComparison.Ordinal))
        {
            error = $"'{Redact(text)}' has a path '{uri.AbsolutePath}'; the path names one database, like /keelson";
            return null;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!TrySetParameter(builder, name, value, out error))
            {
                error = $"'{Redact(text)}': {error}";
                return null;
            }
        }

        return builder;
    }

    // libpq's URL parameters that mean something here; anything else is refused rather than silently ignored.
    private static bool TrySetParameter(NpgsqlConnectionStringBuilder builder, string name, string value, out string error)
    {
        error = "";
        var keyword = name.ToLowerInvariant() switch
        {
            "sslmode" => "SSL Mode",
            "sslrootcert" => "Root Certificate",
            "sslcert" => "SSL Certificate",
            "sslkey" => "SSL Key",
            "connect_timeout" => "Timeout",
            "application_name" => "Application Name",
            "options" => "Options",
            "target_session_attrs" => "Target Session Attributes",
            "search_path" => "Search Path",
            // Npgsql's own keywords (Pooling, Maximum Pool Size, ...) may be given too; unknown ones are refused.
            _ => name,
        };

        try
        {
            builder[keyword] = keyword == "SSL Mode" ? SslModeName(value) : value;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            error = $"the parameter {name}={value} is not understood ({e.Message})";
            return false;
        }
    }

    // libpq spells SSL modes verify-full and verify-ca; Npgsql's enum has VerifyFull and VerifyCA.
    private static string SslModeName(string value) => value.ToLowerInvariant() switch
    {
        "verify-full" => "VerifyFull",
        "verify-ca" => "VerifyCA",
        _ => value,
    };

    private static NpgsqlConnectionStringBuilder? ParseKeywords(string text, out string error)
    {
        error = "";
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(text);
            if (builder.Port <= 0 || builder.Port > 65535)
            {
                error = $"the port {builder.Port} is out of range";
                return null;
            }

            return builder;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
        {
            error = $"'{Redact(text)}' is neither a postgres:// URL nor a valid connection string ({e.Message})";
            return null;
        }
    }

    // Messages must not carry the password.
    private static string Redact(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            var at = text.IndexOf('@', StringComparison.Ordinal);
            var start = text.IndexOf("://", StringComparison.Ordinal) + 3;
            var colon = at < 0 ? -1 : text.IndexOf(':', start);
            return colon >= 0 && colon < at ? text[..(colon + 1)] + "***" + text[at..] : text;
        }

        return string.Join(';', text.Split(';').Select(part =>
            part.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase) && part.Contains('=', StringComparison.Ordinal)
                ? part[..(part.IndexOf('=', StringComparison.Ordinal) + 1)] + "***"
                : part));
    }
}
