using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// The update scenarios on a real boot, per boot backend: keelson-agent in a QEMU guest, its slot chosen by upstream
/// GRUB (grub-env) or systemd-boot, a real reset between the releases, a real <c>keelson server</c> on the host.
/// </summary>
[Trait("Speed", "Slow")]
public sealed partial class UpdateScenarioTests(ITestOutputHelper log)
{
    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(300);

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_machine_on_1_0_0_installs_1_1_0_into_B_resets_boots_B_marks_it_good_and_the_server_shows_it_complete(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.AgentSlotAsync(BootImages.NewVersion));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion));

        await using (var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
            await machine.WaitForLineAsync(InstalledLine(), s_run);
            // The agent resets the machine (reboot -f); the firmware and the bootloader choose B.
            Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await machine.WaitForBootAsync(s_run, boot: 2));
            await machine.WaitForLineAsync(MarkedGoodLine(), s_boot);
            var instance = await fleet.WaitForStatusAsync(disk, "Complete", s_boot);
            Assert.Equal(BootImages.NewVersion, instance.GetProperty("instance").GetProperty("version").GetString());
            // A power cut right after: the mark is on the ESP already, so the bootloader keeps choosing B.
            machine.Kill();
        }

        Assert.StartsWith("USR-B", await disk.BootCommandAsync("select"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Installed 1\.1\.0 into USR-B")]
    private static partial Regex InstalledLine();

    [GeneratedRegex(@"Marked USR-B \(1\.1\.0\) good")]
    private static partial Regex MarkedGoodLine();
}
