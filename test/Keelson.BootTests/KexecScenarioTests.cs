using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// The update with <c>KEELSON_REBOOT_METHOD=kexec</c> on a real boot, per boot backend: keelson-agent on A runs
/// Debian's kexec (in the agent slot) to start B's kernel without the firmware or the bootloader, having counted B's
/// try as the bootloader would. Whether the firmware ran is read off the console: OVMF prints
/// "BdsDxe: starting Boot..." each time it starts the bootloader, and nothing else does.
/// </summary>
[Trait("Speed", "Slow")]
public sealed partial class KexecScenarioTests(ITestOutputHelper log)
{
    private const string KexecConfig = "KEELSON_REBOOT_METHOD=kexec\n";

    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(300);

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task With_kexec_the_agent_on_A_boots_B_without_the_firmware_marks_it_good_and_the_server_shows_it_complete(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.AgentSlotAsync(BootImages.NewVersion));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion), "alpha", KexecConfig);

        await using var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port);
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
        await machine.WaitForLineAsync(InstalledLine(), s_run);
        Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await machine.WaitForBootAsync(s_run, boot: 2));
        // The power-on's firmware start is the only one: B's kernel came from kexec.
        Assert.Equal(1, FirmwareStartsBeforeBoot(machine.Console, 2));
        Assert.DoesNotMatch(KexecRefusedLine(), machine.Console);

        await machine.WaitForLineAsync(MarkedGoodLine(), s_boot);
        var instance = await fleet.WaitForStatusAsync(disk, "Complete", s_boot);
        Assert.Equal(BootImages.NewVersion, instance.GetProperty("instance").GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_B_that_panics_after_a_kexec_has_used_its_try_so_the_reset_goes_through_the_bootloader_back_to_A(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.FailingAgentSlotAsync(BootImages.NewVersion, "panic"));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion), "alpha", KexecConfig);

        await using var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port);
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
        await machine.WaitForLineAsync(InstalledLine(), s_run);
        Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await machine.WaitForBootAsync(s_run, boot: 2));
        Assert.Equal(1, FirmwareStartsBeforeBoot(machine.Console, 2));
        await machine.WaitForLineAsync(PanicLine(), s_boot);

        // B's init exits, the kernel panics and panic=-1 resets: the firmware and the bootloader run, and had the
        // kexec not used B's one try, the bootloader would start B again.
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_run, boot: 3));
        Assert.Equal(2, FirmwareStartsBeforeBoot(machine.Console, 3));
    }

    /// <summary>How often the firmware started a bootloader before the <paramref name="boot"/>-th boot's init line.</summary>
    private static int FirmwareStartsBeforeBoot(string console, int boot)
    {
        var booted = BootedLine().Matches(console);
        Assert.True(booted.Count >= boot, $"the console shows {booted.Count} boots, not {boot}");
        return FirmwareStartLine().Count(console[..booted[boot - 1].Index]);
    }

    [GeneratedRegex(@"Installed 1\.1\.0 into USR-B")]
    private static partial Regex InstalledLine();

    [GeneratedRegex(@"Marked USR-B \(1\.1\.0\) good")]
    private static partial Regex MarkedGoodLine();

    [GeneratedRegex(@"Not rebooting into \S+ with kexec")]
    private static partial Regex KexecRefusedLine();

    [GeneratedRegex(@"KEELSON-PANIC ")]
    private static partial Regex PanicLine();

    [GeneratedRegex(@"KEELSON-BOOTED ")]
    private static partial Regex BootedLine();

    [GeneratedRegex(@"BdsDxe: starting Boot")]
    private static partial Regex FirmwareStartLine();
}
