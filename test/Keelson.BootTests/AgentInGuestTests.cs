using System.Text.Json;
using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Keelson.IntegrationTests.Harness;
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
        await using var keelson = new KeelsonProcess(log);
        // Payload URLs must name the address the guest reaches the server at.
        var server = await keelson.StartServerAsync(extraArguments: ["--public-url", $"http://{QemuMachine.ServerAddress}/"]);
        await keelson.SucceedAsync("payload", "keygen", "--out", "sign.key");
        var slotA = await BootImages.AgentSlotAsync(BootImages.OldVersion);
        var slotB = await BootImages.AgentSlotAsync(BootImages.NewVersion);
        await keelson.SucceedAsync("payload", "create", "--image", slotB, "--version", BootImages.NewVersion, "--key", "sign.key", "--out", "new.kpay");
        await keelson.SucceedAsync("package", "publish", "--version", BootImages.NewVersion, "--file", "new.kpay");
        await keelson.SucceedAsync("channel", "set", "alpha", "--version", BootImages.NewVersion);
        var image = await BootImages.MachineDiskAsync("grub-env", slotA, keelson.PathOf("image"),
            $"SERVER=http://{QemuMachine.ServerAddress}/v1/update/\nGROUP=alpha\nREBOOT_STRATEGY=reboot\nKEELSON_TRUSTED_KEYS=/etc/keelson/trusted.pub\n",
            keelson.PathOf("sign.key.pub"), "--first-check 1s --check-interval 10s --health-delay 0s");
        using var disk = await BootDisk.CopyAsync(image, log);

        // -no-reboot: the agent's reboot ends QEMU (booting B needs the agent's grub-env backend, not in this branch yet).
        await using (var machine = disk.PowerOn(s_install, serverPort: server.Url.Port, noReboot: true))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
            await machine.WaitForLineAsync(InstalledLine(), s_install);
            await machine.WaitForLineAsync(RebootingLine(), s_boot);
            await machine.WaitForPowerOffAsync(s_boot);
        }

        Assert.True(await disk.SlotHoldsAsync('B', slotB), "USR-B does not hold the published 1.1.0 image");
        var instance = JsonDocument.Parse((await keelson.SucceedAsync("instance", "show", image.MachineId, "--json")).StandardOutput).RootElement;
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
