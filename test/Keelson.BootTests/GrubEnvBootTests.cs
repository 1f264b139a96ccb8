using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// Upstream GRUB (grub-mkimage'd BOOTX64.EFI) choosing the slot from its environment block /keelson/grubenv on the
/// ESP, in QEMU with OVMF and a real Debian kernel.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class GrubEnvBootTests(ITestOutputHelper log)
{
    private const string Environment = "/keelson/grubenv";
    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_slot_marked_installed_boots_once_then_GRUB_falls_back_to_A_and_never_tries_it_again()
    {
        using var disk = await BootDisk.CopyAsync(await BootImages.DiskAsync("grub-env"), log);

        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));

        await disk.MarkInstalledAsync('B', BootImages.NewVersion, await BootImages.KernelFilesAsync(BootImages.NewVersion));
        Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await disk.BootOnceAsync(s_boot));
        var afterTry = await disk.Esp.ReadGrubEnvironmentAsync(Environment);
        Assert.Equal("0", afterTry["KEELSON_B_TRY"]);   // GRUB spent the one try before booting B
        Assert.Equal("0", afterTry["KEELSON_B_GOOD"]);

        // Nobody marked B good: A from now on, B never again.
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await disk.BootOnceAsync(s_boot));
        Assert.Equal(afterTry, await disk.Esp.ReadGrubEnvironmentAsync(Environment));
    }
}
