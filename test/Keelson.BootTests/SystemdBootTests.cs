using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// systemd-boot (systemd-bootx64.efi) choosing among Boot Loader Specification entries with boot counting in their
/// file names, in QEMU with OVMF and a real Debian kernel.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SystemdBootTests(ITestOutputHelper log)
{
    private const string Entries = "/loader/entries";
    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task An_entry_with_one_try_boots_once_then_systemd_boot_falls_back_to_A_and_never_tries_it_again()
    {
        using var disk = await BootDisk.CopyAsync(await BootImages.DiskAsync("systemd-boot"), log);

        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));

        await disk.MarkInstalledAsync('B', BootImages.NewVersion, await BootImages.KernelFilesAsync(BootImages.NewVersion));
        Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await disk.BootOnceAsync(s_boot));
        // systemd-boot counted the try in the name before booting it: none left, one done.
        Assert.Equal(["keelson-1.0.0-A.conf", "keelson-1.1.0-B+0-1.conf"], await disk.Esp.ListAsync(Entries));

        // Nobody blessed B: A from now on, B never again.
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));
        Assert.Equal(["keelson-1.0.0-A.conf", "keelson-1.1.0-B+0-1.conf"], await disk.Esp.ListAsync(Entries));
    }
}
