using System.Globalization;

namespace Keelson.Agent.Host;

/// <summary>
/// Reads files from the ext4 filesystem in a slot without mounting it, with e2fsprogs' <c>debugfs</c>; the slot
/// may be a byte range of a disk image (<c>IMAGE?offset=N</c>, which debugfs understands).
/// </summary>
public static class SlotFilesystem
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>The file's text, or null when the filesystem has no such file.</summary>
    public static async Task<string?> ReadFileAsync(string image, long offset, string path, CancellationToken cancellationToken)
    {
        var source = Source(image, offset);
        var result = await ExternalCommand.RunAsync("debugfs", ["-R", $"cat {path}", source], s_timeout, cancellationToken);
        if (!result.Succeeded || result.StandardError.Contains("Bad magic number", StringComparison.Ordinal))
        {
            throw new UpdateEngineException($"cannot read the filesystem in {source}: {LastLine(result.StandardError)}", 0, isTransient: false);
        }

        // debugfs exits 0 even for a missing file and says so on stderr.
        return result.StandardError.Contains("File not found", StringComparison.Ordinal) ? null : result.StandardOutput;
    }

    public static async Task<bool> ExistsAsync(string image, long offset, string path, CancellationToken cancellationToken)
    {
        var source = Source(image, offset);
        var result = await ExternalCommand.RunAsync("debugfs", ["-R", $"stat {path}", source], s_timeout, cancellationToken);
        if (!result.Succeeded || result.StandardError.Contains("Bad magic number", StringComparison.Ordinal))
        {
            throw new UpdateEngineException($"cannot read the filesystem in {source}: {LastLine(result.StandardError)}", 0, isTransient: false);
        }

        return !result.StandardError.Contains("File not found", StringComparison.Ordinal);
    }

    /// <summary>The release a slot holds.</summary>
    public static async Task<ReleaseInfo> ReadReleaseAsync(string image, long offset, CancellationToken cancellationToken) =>
        ReleaseInfo.Parse(
            await ReadFileAsync(image, offset, ReleaseInfo.PathInUsr, cancellationToken)
                ?? throw new UpdateEngineException($"{Source(image, offset)} has no {ReleaseInfo.PathInUsr}", 0, isTransient: false),
            $"{Source(image, offset)}:{ReleaseInfo.PathInUsr}");

    private static string Source(string image, long offset) =>
        offset == 0 ? image : string.Create(CultureInfo.InvariantCulture, $"{image}?offset={offset}");

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "debugfs failed";
}
