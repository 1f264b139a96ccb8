using System.Diagnostics;
using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// The power cut in the middle of an install, per boot backend: QEMU is killed (SIGKILL) while keelson-agent writes
/// USR-B. The same disk, powered on again, boots A (the half-written slot was made unbootable before the first byte),
/// and the agent installs the release again (the update through a real reset is <see cref="UpdateScenarioTests"/>).
/// </summary>
[Trait("Speed", "Slow")]
public sealed partial class InterruptedInstallTests(ITestOutputHelper log)
{
    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(420);

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_machine_killed_while_writing_USR_B_boots_A_again_and_installs_again(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.AgentSlotAsync(BootImages.NewVersion));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion));

        await using (var cut = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await cut.WaitForBootAsync(s_boot));
            await cut.WaitForLineAsync(InstallingLine(), s_run);
            cut.Kill();
            Assert.DoesNotMatch(InstalledLine(), cut.Console);
        }

        var afterCut = await disk.BootStateAsync();
        Assert.Equal("USR-A", afterCut.GetProperty("nextBoot").GetProperty("label").GetString());

        await using var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port, noReboot: true);
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
        await machine.WaitForLineAsync(UpdatingLine(), s_run);
        await machine.WaitForLineAsync(InstallingLine(), s_run);
        var installing = Stopwatch.StartNew();
        await machine.WaitForLineAsync(InstalledLine(), s_run);
        log.WriteLine($"the second install took {installing.Elapsed.TotalSeconds:0.0} s (the window the cut fell in)");
        // -no-reboot: the agent's reset into B ends QEMU; B now boots next.
        await machine.WaitForPowerOffAsync(s_boot);
        Assert.Equal("USR-B", (await disk.BootStateAsync()).GetProperty("nextBoot").GetProperty("label").GetString());
    }

    [GeneratedRegex(@"Updating to 1\.1\.0 ")]
    private static partial Regex UpdatingLine();

    [GeneratedRegex(@"Installing 1\.1\.0 into USR-B")]
    private static partial Regex InstallingLine();

    [GeneratedRegex(@"Installed 1\.1\.0 into USR-B")]
    private static partial Regex InstalledLine();
}
