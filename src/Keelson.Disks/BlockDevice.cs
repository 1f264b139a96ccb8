using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Keelson.Disks;

/// <summary>
/// Size and logical sector size of a block device through the Linux ioctls that cgpt and sgdisk use. A regular file
/// answers ENOTTY, which is how an image file is told apart from a device.
/// </summary>
internal static partial class BlockDevice
{
    // _IOR(0x12, 114, size_t) and _IO(0x12, 104) from <linux/fs.h>.
    private const nuint BlkGetSize64 = 0x80081272;
    private const nuint BlkSszGet = 0x1268;

    /// <summary>The size in bytes and the logical sector size, or false when the handle is not a block device.</summary>
    public static bool TryGetGeometry(SafeFileHandle handle, out long size, out int sectorSize)
    {
        size = 0;
        sectorSize = 0;
        if (IoctlUInt64(handle, BlkGetSize64, out var bytes) != 0)
        {
            return false;
        }

        if (IoctlInt32(handle, BlkSszGet, out var logical) != 0)
        {
            return false;
        }

        size = checked((long)bytes);
        sectorSize = logical;
        return true;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlUInt64(SafeFileHandle fd, nuint request, out ulong value);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlInt32(SafeFileHandle fd, nuint request, out int value);
}
