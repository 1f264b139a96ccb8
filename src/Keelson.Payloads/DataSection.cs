using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Keelson.Payloads;

/// <summary>Moves a payload's data section from the temporary file it was written to, to its place behind the manifest.</summary>
internal static partial class DataSection
{
    private const int Step = 8 << 20;
    private const uint SyncFileRangeWrite = 2;

    // copy_file_range's errors that mean "not between these files": the data is then copied through this process.
    private const int ExDev = 18;
    private const int InvalidArgument = 22;
    private const int NotImplemented = 38;
    private const int NotSupported = 95;

    /// <summary>
    /// Copies all of <paramref name="data"/> into <paramref name="output"/> at <paramref name="offset"/>, in the
    /// kernel (copy_file_range) where the file system allows it, handing each step to writeback as it is copied.
    /// </summary>
    public static void CopyBehind(FileStream data, FileStream output, long offset, CancellationToken cancellationToken)
    {
        long input = 0;
        var length = data.Length;
        var outputPosition = offset;
        while (input < length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = outputPosition;
            var copied = CopyFileRange(data.SafeFileHandle, ref input, output.SafeFileHandle, ref outputPosition, (nuint)Math.Min(Step, length - input), 0);
            if (copied < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (input == 0 && errno is ExDev or InvalidArgument or NotImplemented or NotSupported)
                {
                    CopyThrough(data, output, offset, cancellationToken);
                    return;
                }

                throw new IOException($"copying the data section into the payload failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            if (copied == 0)
            {
                throw new IOException($"the temporary data file ended at {input} of {length} bytes");
            }

            // Only a hint: the final fsync writes whatever this did not start.
            _ = SyncFileRange(output.SafeFileHandle, start, outputPosition - start, SyncFileRangeWrite);
        }

        output.Position = outputPosition;
    }

    private static void CopyThrough(FileStream data, FileStream output, long offset, CancellationToken cancellationToken)
    {
        data.Position = 0;
        output.Position = offset;
        data.CopyTo(output, Step);
        cancellationToken.ThrowIfCancellationRequested();
    }

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
