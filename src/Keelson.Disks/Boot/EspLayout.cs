namespace Keelson.Disks.Boot;

/// <summary>
/// Where the grub-env and systemd-boot backends keep their files on the ESP, as paths relative to its root (the
/// form the bootloaders use) and as local paths under the directory where the ESP is mounted.
/// </summary>
public static class EspLayout
{
    /// <summary>The bootloader the firmware starts when no boot entry names another (the removable-media path).</summary>
    public const string BootloaderPath = "/EFI/BOOT/BOOTX64.EFI";

    /// <summary>The configuration GRUB reads beside itself (<c>grub-mkimage -p /EFI/BOOT</c>).</summary>
    public const string GrubConfigPath = "/EFI/BOOT/grub.cfg";

    /// <summary>GRUB's environment block holding the grub-env backend's state.</summary>
    public const string GrubEnvPath = "/keelson/grubenv";

    /// <summary>systemd-boot's own configuration.</summary>
    public const string LoaderConfPath = "/loader/loader.conf";

    /// <summary>The folder of Boot Loader Specification entries systemd-boot reads.</summary>
    public const string EntriesPath = "/loader/entries";

    /// <summary>The slot's kernel on the ESP: <c>/keelson/A/vmlinuz</c>.</summary>
    public static string KernelPath(UsrSlotName slot) => $"/keelson/{slot}/vmlinuz";

    /// <summary>The slot's initrd on the ESP: <c>/keelson/A/initrd</c>.</summary>
    public static string InitrdPath(UsrSlotName slot) => $"/keelson/{slot}/initrd";

    /// <summary>The local path of <paramref name="espPath"/> (relative to the ESP root) under the mounted <paramref name="espDirectory"/>.</summary>
    public static string Local(string espDirectory, string espPath) =>
        Path.Combine(espDirectory, espPath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));
}
