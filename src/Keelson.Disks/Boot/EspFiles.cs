using System.Runtime.InteropServices;

namespace Keelson.Disks.Boot;

/// <summary>
/// Writes on the ESP that a crash never leaves half done: each file is written beside its final name under a
/// hidden temporary name (which neither GRUB nor systemd-boot reads), flushed to the device, then renamed over the
/// old one, so a reader sees the old file or the new one, never a torn mix. Every change (write, rename, delete) is
/// durable when the call returns: the ESP's filesystem is synced, so a power cut right after a boot was marked good
/// cannot undo the mark (a rename lives in the FAT directory, which fsync of the file alone does not write).
/// </summary>
internal static partial class EspFiles
{
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await ReplaceAsync(path, async file => await file.WriteAsync(content, cancellationToken), cancellationToken);
    }

    public static Task CopyAsync(string source, string path, CancellationToken cancellationToken) =>
        ReplaceAsync(
            path,
            async file =>
            {
                FileStream input;
                try
                {
                    input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new DiskException($"cannot read {source}: {e.Message}", e is IOException, e);
                }

                await using (input)
                {
                    await input.CopyToAsync(file, cancellationToken);
                }
            },
            cancellationToken);

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/> (a file in the same folder), replacing nothing.</summary>
    public static void Rename(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: false);
            SyncFilesystem(to);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"cannot rename {from} to {Path.GetFileName(to)}: {e.Message}", e is IOException, e);
        }
    }

    /// <summary>Deletes a file; one already gone (or its folder) is fine.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
                SyncFilesystem(path);
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing to delete.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DiskException($"cannot delete {path}: {e.Message}", e is IOException, e);
        }
    }

    private static async Task ReplaceAsync(string path, Func<FileStream, Task> write, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path) ?? throw new ArgumentException($"{path} has no folder", nameof(path));
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.keelson-new");
        try
        {
            Directory.CreateDirectory(folder);
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            SyncFilesystem(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new DiskException($"cannot write {path}: {e.Message}", e is IOException, e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes out everything the filesystem holding <paramref name="path"/>'s folder has pending (syncfs).</summary>
    private static void SyncFilesystem(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var descriptor = Open(folder, OpenReadOnly | OpenDirectory | OpenCloseOnExec);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open {folder} to sync it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            if (SyncFs(descriptor) != 0)
            {
                throw new IOException($"cannot sync the filesystem of {folder}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private const int OpenReadOnly = 0;
    private const int OpenDirectory = 0x10000;
    private const int OpenCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write already failed; a leftover hidden temporary file is harmless and replaced by the next write.
        }
    }
}
