namespace Keelson.Agent.Configuration;

/// <summary>How the machine reboots into the next slot (<c>KEELSON_REBOOT_METHOD</c>).</summary>
public enum RebootMethod
{
    /// <summary><c>firmware</c>: the reboot command (a real reset through the firmware and the bootloader).</summary>
    Firmware,

    /// <summary>
    /// <c>kexec</c>: the next slot's kernel is started directly (<c>kexec -l</c>, <c>kexec -e</c>), its try counted
    /// beforehand as the bootloader would; the firmware reboot is the fallback when that cannot be done.
    /// </summary>
    Kexec,
}
