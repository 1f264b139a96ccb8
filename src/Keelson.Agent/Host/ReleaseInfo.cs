using Keelson.Omaha;

namespace Keelson.Agent.Host;

/// <summary>
/// What a usr image says about itself in <c>share/coreos/release</c> (<c>/usr/share/coreos/release</c> once
/// mounted): <c>COREOS_RELEASE_VERSION=</c> and <c>COREOS_RELEASE_BOARD=</c>.
/// </summary>
public sealed record ReleaseInfo(string Version, string Board)
{
    /// <summary>Where the file lives inside a usr filesystem.</summary>
    public const string PathInUsr = "/share/coreos/release";

    public static ReleaseInfo Parse(string text, string source)
    {
        string? version = null;
        string? board = null;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = line[(equals + 1)..].Trim().Trim('"');
            switch (line[..equals].Trim())
            {
                case "COREOS_RELEASE_VERSION":
                    version = value;
                    break;
                case "COREOS_RELEASE_BOARD":
                    board = value;
                    break;
            }
        }

        if (string.IsNullOrEmpty(version))
        {
            throw new UpdateEngineException($"{source} has no COREOS_RELEASE_VERSION", OmahaErrorCodes.SlotUnreadable, isTransient: false);
        }

        return new ReleaseInfo(version, board ?? "");
    }
}
