using System.Runtime.InteropServices;

namespace Keelson.CloudConfig.Apply;

/// <summary>The two things .NET has no API for: setting and reading a file's numeric owner without following links.</summary>
internal static partial class NativeMethods
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;
    private const uint StatxGid = 0x10;

    /// <summary>Sets the owner of <paramref name="path"/> itself (a link, not what it points to).</summary>
    public static void SetOwner(string path, Owner owner)
    {
        if (LChown(path, owner.Uid, owner.Gid) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot set the owner of {path} to {owner}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>The owner of <paramref name="path"/> itself; null when it cannot be read.</summary>
    public static Owner? GetOwner(string path)
    {
        // statx's buffer has the same layout on every architecture, unlike struct stat.
        return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid | StatxGid, out var buffer) == 0 ? new Owner(buffer.Uid, buffer.Gid) : null;
    }

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary>The head of <c>struct statx</c>; the size covers the whole structure.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Uid;
        public uint Gid;
    }
}
