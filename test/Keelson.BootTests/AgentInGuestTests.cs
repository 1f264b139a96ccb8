using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// The real agent (keelson-agent, NativeAOT) as the update engine of a QEMU guest booted by GRUB: its only network is
/// the forward of http://10.0.2.100/ to a real <c>keelson server</c> on the host's loopback.
/// </summary>
[Trait("Speed", "Slow")]
public sealed partial class AgentInGuestTests(ITestOutputHelper log)
{
    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_install = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task The_agent_in_the_guest_checks_through_the_forward_downloads_1_1_0_installs_it_into_USR_B_and_reboots()
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        var slotB = await BootImages.AgentSlotAsync(BootImages.NewVersion);
        await fleet.PublishAsync(BootImages.NewVersion, slotB);
        using var disk = await fleet.CreateMachineAsync("m1", "grub-env", await BootImages.AgentSlotAsync(BootImages.OldVersion));

        // -no-reboot: the agent's reboot ends QEMU (booting B needs the agent's grub-env backend, not in this branch yet).
        await using (var machine = disk.PowerOn(s_install, serverPort: fleet.Server.Url.Port, noReboot: true))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
            await machine.WaitForLineAsync(InstalledLine(), s_install);
            await machine.WaitForLineAsync(RebootingLine(), s_boot);
            await machine.WaitForPowerOffAsync(s_boot);
        }

        Assert.True(await disk.SlotHoldsAsync('B', slotB), "USR-B does not hold the published 1.1.0 image");
        var instance = await fleet.InstanceAsync(disk);
        Assert.Equal("Installed", instance.GetProperty("instance").GetProperty("status").GetString());
        var statuses = instance.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString()).ToList();
        Assert.Contains("Downloading", statuses);
        Assert.Contains("Downloaded", statuses);
    }

    [GeneratedRegex(@"Installed 1\.1\.0 into USR-B")]
    private static partial Regex InstalledLine();

    [GeneratedRegex(@"Rebooting into USR-B")]
    private static partial Regex RebootingLine();
}
