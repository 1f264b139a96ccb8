using System.Runtime.InteropServices;

namespace Keelson.TestSupport;

internal static partial class NativeMethods
{
    public const int SigQuit = 3;

    [DllImport("libc", SetLastError = false)]
    public static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int signal);
}
