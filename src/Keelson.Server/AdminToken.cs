using System.Security.Cryptography;
using System.Text;

namespace Keelson.Server;

/// <summary>
/// The server's built-in admin token (<see cref="Security.TokenStore.BuiltInName"/>): given, read from a file, or
/// generated once into the data folder (mode 0600). A weak token, or a file others may read, stops the start.
/// </summary>
public static class AdminToken
{
    public const string FileName = "admin-token";

    /// <summary>Fewer characters than this are refused: a token from <c>openssl rand -hex 32</c> has 64.</summary>
    public const int MinLength = 32;

    /// <summary>Fewer different characters than this are refused ("aaaa...", "abab..."); 64 hex digits have about 16.</summary>
    public const int MinDistinctCharacters = 8;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The admin token this start uses; throws <see cref="InvalidOperationException"/> naming what is wrong.</summary>
    public static string Resolve(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AdminToken is { } given)
        {
            return Checked(given.Trim(), "the admin token given");
        }

        if (options.AdminTokenFile is { } file)
        {
            return Read(file);
        }

        var path = Path.Combine(options.DataDirectory, FileName);
        if (File.Exists(path))
        {
            return Read(path);
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(Encoding.ASCII.GetBytes(token + "\n"));
        }

        return token;
    }

    /// <summary>Why <paramref name="token"/> is too weak to guard the server, or null when it is strong enough.</summary>
    /// <param name="token">The token, trimmed.</param>
    /// <param name="source">Where it came from, for the message ("$KEELSON_ADMIN_TOKEN", a file's path).</param>
    public static string? Weakness(string token, string source)
    {
        ArgumentNullException.ThrowIfNull(token);
        const string howTo = "make one with: openssl rand -hex 32";
        if (token.Length == 0)
        {
            return $"{source} is empty; {howTo}";
        }

        if (token.Length < MinLength)
        {
            return $"{source} is {token.Length} characters long; an admin token needs at least {MinLength} random characters; {howTo}";
        }

        var distinct = token.Distinct().Count();
        return distinct < MinDistinctCharacters
            ? $"{source} has only {distinct} different characters, too little variety to be random; {howTo}"
            : null;
    }

    private static string Read(string path)
    {
        string text;
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOthers) != 0)
            {
                throw new InvalidOperationException(
                    $"the admin token file {path} may be read by other users (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0')}); "
                    + $"make it the server user's alone: chmod 600 {path}");
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"the admin token file {path} cannot be read: {e.Message}", e);
        }

        return Checked(text.Trim(), $"the admin token in {path}");
    }

    private static string Checked(string token, string source) =>
        Weakness(token, source) is { } weakness ? throw new InvalidOperationException(weakness) : token;
}
