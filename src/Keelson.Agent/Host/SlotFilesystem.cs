using System.Globalization;
using Keelson.Omaha;

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
            throw new UpdateEngineException($"cannot read the filesystem in {source}: {LastLine(result.StandardError)}", OmahaErrorCodes.SlotUnreadable, isTransient: false);
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
            throw new UpdateEngineException($"cannot read the filesystem in {source}: {LastLine(result.StandardError)}", OmahaErrorCodes.SlotUnreadable, isTransient: false);
        }

        return !result.StandardError.Contains("File not found", StringComparison.Ordinal);
    }

    /// <summary>
    /// Copies the file at <paramref name="path"/> byte for byte to <paramref name="destination"/> (debugfs'
    /// <c>dump -p</c>, which writes the file itself, so binary files such as a kernel stay whole); false when the
    /// filesystem has no such file (nothing is left at <paramref name="destination"/> then).
    /// </summary>
    public static async Task<bool> DumpFileAsync(string image, long offset, string path, string destination, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var source = Source(image, offset);
        File.Delete(destination);
        if (destination.Contains('"', StringComparison.Ordinal))
        {
            throw new ArgumentException($"debugfs cannot write to a path with a double quote: {destination}", nameof(destination));
        }

        // Quoted for debugfs' own parser: a state directory may have spaces in its path.
        var result = await ExternalCommand.RunAsync("debugfs", ["-R", $"dump -p {path} \"{destination}\"", source], s_timeout, cancellationToken);
        if (!result.Succeeded || result.StandardError.Contains("Bad magic number", StringComparison.Ordinal))
        {
            File.Delete(destination);
            throw new UpdateEngineException($"cannot read the filesystem in {source}: {LastLine(result.StandardError)}", OmahaErrorCodes.SlotUnreadable, isTransient: false);
        }

        if (result.StandardError.Contains("File not found", StringComparison.Ordinal))
        {
            File.Delete(destination);
            return false;
        }

        if (!File.Exists(destination))
        {
            throw new UpdateEngineException($"debugfs did not copy {path} out of {source}: {LastLine(result.StandardError)}", OmahaErrorCodes.SlotUnreadable, isTransient: false);
        }

        return true;
    }

    /// <summary>The release a slot holds.</summary>
    public static async Task<ReleaseInfo> ReadReleaseAsync(string image, long offset, CancellationToken cancellationToken) =>
        ReleaseInfo.Parse(
            await ReadFileAsync(image, offset, ReleaseInfo.PathInUsr, cancellationToken)
                ?? throw new UpdateEngineException($"{Source(image, offset)} has no {ReleaseInfo.PathInUsr}", OmahaErrorCodes.SlotUnreadable, isTransient: false),
            $"{Source(image, offset)}:{ReleaseInfo.PathInUsr}");

    private static string Source(string image, long offset) =>
        offset == 0 ? image : string.Create(CultureInfo.InvariantCulture, $"{image}?offset={offset}");

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "debugfs failed";
}
