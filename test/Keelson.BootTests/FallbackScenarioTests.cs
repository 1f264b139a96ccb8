using System.Text.RegularExpressions;
using Keelson.BootTests.Harness;
using Xunit.Abstractions;

namespace Keelson.BootTests;

/// <summary>
/// A bad release on a real boot, per boot backend: it is booted once (its one try), then the machine comes back to
/// the old slot without help - the agent reboots away from a failed health check, the kernel's panic=-1 resets a
/// panicking boot - and the bootloader, having spent the try, picks A. The agent on A reports the rollback (Omaha
/// error 44) and the real <c>keelson server</c> holds the machine back from the release.
/// </summary>
[Trait("Speed", "Slow")]
public sealed partial class FallbackScenarioTests(ITestOutputHelper log)
{
    /// <summary>Omaha's update_engine code for a machine back on its old release (OmahaErrorCodes.Rollback).</summary>
    private const long RollbackCode = 44;

    /// <summary>Keelson's code for a new boot that failed its health checks (OmahaErrorCodes.UnhealthyBoot).</summary>
    private const long UnhealthyBootCode = 1001;

    private static readonly TimeSpan s_boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(420);

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_release_failing_its_health_check_is_reported_unhealthy_the_agent_resets_to_A_reports_the_rollback_and_the_server_holds_the_machine_back(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.FailingAgentSlotAsync(BootImages.NewVersion, "fail-health"));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion));

        await using (var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
            await machine.WaitForLineAsync(InstalledLine(), s_run);
            Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await machine.WaitForBootAsync(s_run, boot: 2));
            await machine.WaitForLineAsync(UnhealthyLine(), s_boot);
            await machine.WaitForLineAsync(RebootingIntoALine(), s_boot);

            // The agent on B reported its unhealthy boot before it reset the machine, and A is not up yet to say more.
            var unhealthy = (await fleet.InstanceAsync(disk)).GetProperty("instance");
            Assert.Equal("Error", unhealthy.GetProperty("status").GetString());
            Assert.Equal(UnhealthyBootCode, unhealthy.GetProperty("lastErrorCode").GetInt64());

            await AssertFellBackToAAndHeldBackAsync(fleet, disk, machine);
        }

        await AssertBNotBootableAsync(disk);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_release_whose_kernel_panics_resets_by_itself_into_A_the_agent_reports_the_rollback_and_the_server_holds_the_machine_back(string backend)
    {
        await using var fleet = await GuestFleet.StartAsync(log);
        await fleet.PublishAsync(BootImages.NewVersion, await BootImages.FailingAgentSlotAsync(BootImages.NewVersion, "panic"));
        using var disk = await fleet.CreateMachineAsync("m1", backend, await BootImages.AgentSlotAsync(BootImages.OldVersion));

        await using (var machine = disk.PowerOn(s_run, serverPort: fleet.Server.Url.Port))
        {
            Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot));
            await machine.WaitForLineAsync(InstalledLine(), s_run);
            Assert.Equal(new BootedSlot('B', BootImages.NewVersion), await machine.WaitForBootAsync(s_run, boot: 2));
            // The init exits before any agent runs: the kernel panics and panic=-1 resets the machine.
            await machine.WaitForLineAsync(PanicLine(), s_boot);

            await AssertFellBackToAAndHeldBackAsync(fleet, disk, machine);
            Assert.DoesNotMatch(UnhealthyLine(), machine.Console);
        }

        await AssertBNotBootableAsync(disk);
    }

    /// <summary>The third boot is A, chosen by the bootloader; its agent reports 44 and the server holds the machine back.</summary>
    private static async Task AssertFellBackToAAndHeldBackAsync(GuestFleet fleet, BootDisk disk, QemuMachine machine)
    {
        Assert.Equal(new BootedSlot('A', BootImages.OldVersion), await machine.WaitForBootAsync(s_boot, boot: 3));
        await machine.WaitForLineAsync(RolledBackLine(), s_boot);

        var held = (await fleet.WaitForStatusAsync(disk, "OnHold", s_boot)).GetProperty("instance");
        Assert.Equal(BootImages.OldVersion, held.GetProperty("version").GetString());
        Assert.Equal(RollbackCode, held.GetProperty("lastErrorCode").GetInt64());
        Assert.Contains($"rolled back from {BootImages.NewVersion}", held.GetProperty("statusReason").GetString(), StringComparison.Ordinal);

        // Held back after its check from A: the machine is up on A after three boots, B booted once.
        Assert.Equal(3, BootedLine().Count(machine.Console));
        Assert.Single(BootedBLine().Matches(machine.Console));
    }

    /// <summary>With the machine off, the boot state: B tried, never good, no try left; A boots next.</summary>
    private static async Task AssertBNotBootableAsync(BootDisk disk)
    {
        var state = await disk.BootStateAsync();
        var b = state.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("slot").GetString() == "B");
        Assert.False(b.GetProperty("bootable").GetBoolean(), $"B is still bootable: {b}");
        Assert.False(b.GetProperty("good").GetBoolean());
        Assert.Equal("USR-A", state.GetProperty("nextBoot").GetProperty("label").GetString());
    }

    [GeneratedRegex(@"Installed 1\.1\.0 into USR-B")]
    private static partial Regex InstalledLine();

    [GeneratedRegex(@"1\.1\.0 on USR-B failed its health checks")]
    private static partial Regex UnhealthyLine();

    [GeneratedRegex(@"Rebooting into USR-A")]
    private static partial Regex RebootingIntoALine();

    [GeneratedRegex(@"KEELSON-PANIC release 1\.1\.0")]
    private static partial Regex PanicLine();

    [GeneratedRegex(@"The update to 1\.1\.0 did not stay: the machine booted USR-A running 1\.0\.0")]
    private static partial Regex RolledBackLine();

    [GeneratedRegex(@"KEELSON-BOOTED slot=")]
    private static partial Regex BootedLine();

    [GeneratedRegex(@"KEELSON-BOOTED slot=B ")]
    private static partial Regex BootedBLine();
}
