using System.Security.Cryptography;
using System.Text;

namespace Keelson.Server;

/// <summary>The admin API's bearer token: given, or generated once into the data folder (mode 0600).</summary>
public static class AdminToken
{
    public const string FileName = "admin-token";

    public static string Resolve(ServerOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AdminToken))
        {
            return options.AdminToken.Trim();
        }

        var path = Path.Combine(options.DataDirectory, FileName);
        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            if (stored.Length == 0)
            {
                throw new InvalidOperationException($"{path} is empty; delete it to have a new token generated");
            }

            return stored;
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(Encoding.ASCII.GetBytes(token + "\n"));
        }

        return token;
    }

    public static bool Matches(string expected, string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
    }
}
