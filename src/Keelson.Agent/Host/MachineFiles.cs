using Keelson.Omaha;

namespace Keelson.Agent.Host;

/// <summary>Reads the small identity files every Linux machine has, strictly: a bad file is an error that names it.</summary>
public static class MachineFiles
{
    /// <summary>The 32 lowercase hex digits of a machine-id file.</summary>
    public static string ReadMachineId(string path)
    {
        var text = ReadSmall(path).Trim();
        if (text.Length != 32 || !text.All(char.IsAsciiHexDigit))
        {
            throw new UpdateEngineException($"{path} does not hold a machine id (32 hex digits)", OmahaErrorCodes.HostUnreadable, isTransient: false);
        }

        return text.ToLowerInvariant();
    }

    /// <summary>The boot id the kernel gives (<c>/proc/sys/kernel/random/boot_id</c>).</summary>
    public static Guid ReadBootId(string path) =>
        Guid.TryParse(ReadSmall(path).Trim(), out var id)
            ? id
            : throw new UpdateEngineException($"{path} does not hold a boot id (a UUID)", OmahaErrorCodes.HostUnreadable, isTransient: false);

    /// <summary>ID= and VERSION_ID= of an os-release style file (/etc/oem-release); empty when it does not exist.</summary>
    public static (string Id, string Version) ReadOemRelease(string path)
    {
        if (!File.Exists(path))
        {
            return ("", "");
        }

        string id = "", version = "";
        foreach (var line in ReadSmall(path).ReplaceLineEndings("\n").Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = Unquote(line[(equals + 1)..].Trim());
            switch (line[..equals].Trim())
            {
                case "ID":
                    id = value;
                    break;
                case "VERSION_ID":
                    version = value;
                    break;
            }
        }

        return (id, version);
    }

    /// <summary>os-release values may be in double or single quotes; only a matching pair is removed.</summary>
    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0] ? value[1..^1] : value;

    /// <summary>A small text file (up to 64 KiB); a missing or unreadable one is an error that names it.</summary>
    internal static string ReadSmall(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 64 * 1024)
            {
                throw new UpdateEngineException($"{path} is larger than 64 KiB", OmahaErrorCodes.HostUnreadable, isTransient: false);
            }

            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UpdateEngineException($"cannot read {path}: {e.Message}", OmahaErrorCodes.HostUnreadable, isTransient: false, e);
        }
    }
}
