using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Keelson.Payloads;

/// <summary>
/// A slot opened for positioned reads and writes within its range. Block devices report their size by seeking
/// to the end (fstat says 0); written ranges are handed to the kernel's writeback early (sync_file_range), so the
/// final flush finds little left to do and the disk works while the CPU decompresses.
/// </summary>
internal sealed partial class SlotFile : IDisposable
{
    private const int SeekEnd = 2;
    private const uint SyncFileRangeWrite = 2;

    private readonly string _role;

    private SlotFile(SlotTarget slot, string role, SafeFileHandle handle, long capacity)
    {
        Slot = slot;
        _role = role;
        Handle = handle;
        Capacity = capacity;
    }

    public SlotTarget Slot { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>The slot's size in bytes.</summary>
    public long Capacity { get; }

    /// <summary>Opens <paramref name="slot"/>; <paramref name="role"/> names it in messages ("slot", "image").</summary>
    public static SlotFile Open(SlotTarget slot, bool write, string role = "slot")
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (slot.Offset < 0 || slot.Length < 0)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"{role} {slot}: offset and length cannot be negative");
        }

        SafeFileHandle handle;
        try
        {
            // Never created: a slot is a partition or a file that exists; a typo must not make a new file. Shared:
            // the source and target of a delta, and the disk code, may all have the same disk open.
            handle = File.OpenHandle(slot.Path, FileMode.Open, write ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PayloadException(PayloadErrorKind.Io, $"cannot open the {role} {slot.Path} for {(write ? "writing" : "reading")}: {e.Message}", e);
        }

        try
        {
            var size = Size(handle);
            if (slot.Offset > size || (slot.Length is { } length && length > size - slot.Offset))
            {
                throw new PayloadException(PayloadErrorKind.Io, $"{role} {slot} lies beyond the end of {slot.Path} ({size} bytes)");
            }

            return new SlotFile(slot, role, handle, slot.Length ?? (size - slot.Offset));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> within the slot.</summary>
    public void ReadExactly(Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            int read;
            try
            {
                read = RandomAccess.Read(Handle, buffer[done..], Slot.Offset + offset + done);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Failed("reading", offset + done, e);
            }

            if (read == 0)
            {
                throw new PayloadException(PayloadErrorKind.Io, $"{_role} {Slot} ends at {offset + done}, before {offset + buffer.Length}");
            }

            done += read;
        }
    }

    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            RandomAccess.Write(Handle, data, Slot.Offset + offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed("writing", offset, e);
        }
    }

    /// <summary>Starts writeback of a written range without waiting for it.</summary>
    public void StartWriteback(long offset, long length)
    {
        // Only a hint: where it is not supported the final flush writes everything.
        _ = SyncFileRange(Handle, Slot.Offset + offset, length, SyncFileRangeWrite);
    }

    /// <summary>fsync: returns when the written data is on the device.</summary>
    public void Flush()
    {
        try
        {
            RandomAccess.FlushToDisk(Handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed("flushing", 0, e);
        }
    }

    public void Dispose() => Handle.Dispose();

    private static long Size(SafeFileHandle handle)
    {
        var length = RandomAccess.GetLength(handle);
        return length > 0 ? length : Math.Max(0, LSeek(handle, 0, SeekEnd));
    }

    private PayloadException Failed(string what, long offset, Exception e) =>
        new(PayloadErrorKind.Io, $"{what} the {_role} {Slot} at {offset} failed: {e.Message}", e);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
