using Keelson.Disks.Boot;

namespace Keelson.Disks.Tests.Boot;

/// <summary>
/// The life of a machine on each ESP backend, with each boot made by the backend's own selection rule (what the
/// generated grub.cfg or systemd-boot does): install, trial boot, mark good; a trial never marked good falls back
/// and is never retried; manual rollback; a kexec that counts the try; disable.
/// </summary>
public sealed class BootBackendLifecycleTests
{
    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_fresh_disk_boots_A_and_an_update_boots_once_then_stays_when_marked_good(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");

        var fresh = await machine.StateAsync();
        Assert.Equal((true, true, "1.0.0"), (fresh.A.Good, fresh.A.Bootable, fresh.A.Version));
        Assert.False(fresh.B.Bootable);
        Assert.Equal(new SimulatedBoot(UsrSlotName.A, FlatcarLayout.UsrAPartitionUuid, TryCounted: false), await machine.BootAsync());

        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        var installed = await machine.StateAsync();
        Assert.Equal(UsrSlotName.B, installed.Next?.Slot);
        Assert.Equal((1, false, "1.1.0"), (installed.B.TriesLeft, installed.B.Good, installed.B.Version));
        Assert.Equal("kernel 1.1.0", machine.EspText(EspLayout.KernelPath(UsrSlotName.B)));
        Assert.Equal("initrd 1.1.0", machine.EspText(EspLayout.InitrdPath(UsrSlotName.B)));

        Assert.Equal(new SimulatedBoot(UsrSlotName.B, FlatcarLayout.UsrBPartitionUuid, TryCounted: true), await machine.BootAsync());
        var onTrial = await machine.StateAsync();
        Assert.Equal((0, false, false), (onTrial.B.TriesLeft, onTrial.B.Good, onTrial.B.Bootable));
        Assert.Equal(UsrSlotName.A, onTrial.Next?.Slot);

        await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.B), default);
        var good = await machine.StateAsync();
        Assert.Equal((true, UsrSlotName.B), (good.B.Good, good.Next?.Slot));
        Assert.True(good.A.Good);
        Assert.Equal(new SimulatedBoot(UsrSlotName.B, FlatcarLayout.UsrBPartitionUuid, TryCounted: false), await machine.BootAsync());
        Assert.Equal(new SimulatedBoot(UsrSlotName.B, FlatcarLayout.UsrBPartitionUuid, TryCounted: false), await machine.BootAsync());
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task An_update_never_marked_good_falls_back_and_is_never_booted_again(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        Assert.Equal(UsrSlotName.B, (await machine.BootAsync())?.Slot);
        for (var boot = 0; boot < 4; boot++)
        {
            Assert.Equal(new SimulatedBoot(UsrSlotName.A, FlatcarLayout.UsrAPartitionUuid, TryCounted: false), await machine.BootAsync());
        }

        var state = await machine.StateAsync();
        Assert.False(state.B.Bootable);
        Assert.Equal((true, UsrSlotName.A), (state.A.Good, state.Next?.Slot));

        // Reinstalling gives the slot its one try again.
        await machine.InstallAsync(UsrSlotName.B, "1.1.1");
        Assert.Equal(new SimulatedBoot(UsrSlotName.B, FlatcarLayout.UsrBPartitionUuid, TryCounted: true), await machine.BootAsync());
        Assert.Equal(UsrSlotName.A, (await machine.BootAsync())?.Slot);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_manual_rollback_boots_the_older_good_slot_from_then_on(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        await machine.BootAsync();
        await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.B), default);

        await machine.Backend.PrioritizeAsync(await machine.SlotAsync(UsrSlotName.A), default);

        var state = await machine.StateAsync();
        Assert.Equal((UsrSlotName.A, true), (state.Next?.Slot, state.A.Good));
        Assert.Equal(new SimulatedBoot(UsrSlotName.A, FlatcarLayout.UsrAPartitionUuid, TryCounted: false), await machine.BootAsync());
        Assert.Equal(new SimulatedBoot(UsrSlotName.A, FlatcarLayout.UsrAPartitionUuid, TryCounted: false), await machine.BootAsync());
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task Prioritizing_a_slot_never_marked_good_gives_it_one_try_and_the_fallback_still_works(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        await machine.BootAsync();
        await machine.BootAsync();

        await machine.Backend.PrioritizeAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.Equal((1, UsrSlotName.B), ((await machine.StateAsync()).B.TriesLeft, (await machine.StateAsync()).Next?.Slot));
        Assert.Equal(new SimulatedBoot(UsrSlotName.B, FlatcarLayout.UsrBPartitionUuid, TryCounted: true), await machine.BootAsync());
        Assert.Equal(UsrSlotName.A, (await machine.BootAsync())?.Slot);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_kexec_counts_the_try_as_the_bootloader_would_and_loads_the_slots_kernel(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        var target = await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.NotNull(target);
        Assert.Equal("kernel 1.1.0", await File.ReadAllTextAsync(target.KernelPath));
        Assert.Equal("initrd 1.1.0", await File.ReadAllTextAsync(target.InitrdPath!));
        Assert.StartsWith(machine.Esp, target.KernelPath, StringComparison.Ordinal);
        var words = target.CommandLine.Split(' ');
        Assert.Contains($"mount.usr=PARTUUID={FlatcarLayout.UsrBPartitionUuid}", words);
        Assert.Contains(BootTestMachine.CommandLine, target.CommandLine, StringComparison.Ordinal);

        // The try is used: a reset that comes before mark-good falls back to A.
        var state = await machine.StateAsync();
        Assert.Equal((0, false), (state.B.TriesLeft, state.B.Good));
        Assert.Equal(UsrSlotName.A, (await machine.BootAsync())?.Slot);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_kexec_into_a_good_slot_changes_nothing_and_one_into_a_used_up_slot_is_refused(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        var before = await machine.StateAsync();

        var target = await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.A), default);

        Assert.Equal("kernel 1.0.0", await File.ReadAllTextAsync(target!.KernelPath));
        Assert.Contains($"mount.usr=PARTUUID={FlatcarLayout.UsrAPartitionUuid}", target.CommandLine.Split(' '));
        Assert.Equal(before, await machine.StateAsync());
        await Assert.ThrowsAsync<DiskException>(() => machine.Backend.CountTryAsync(machine.SlotAsync(UsrSlotName.B).Result, default));
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task Disable_makes_the_slot_unbootable_and_removes_its_kernel_from_the_esp(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        await machine.Backend.DisableAsync(await machine.SlotAsync(UsrSlotName.B), default);

        var state = await machine.StateAsync();
        Assert.False(state.B.Bootable);
        Assert.Equal(UsrSlotName.A, state.Next?.Slot);
        Assert.Null(machine.EspText(EspLayout.KernelPath(UsrSlotName.B)));
        Assert.Null(machine.EspText(EspLayout.InitrdPath(UsrSlotName.B)));
        Assert.Equal(UsrSlotName.A, (await machine.BootAsync())?.Slot);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task An_install_without_the_new_kernel_is_refused(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        var slot = await machine.SlotAsync(UsrSlotName.B);

        Assert.True(machine.Backend.NeedsKernel);
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => machine.Backend.MarkInstalledAsync(slot, null, default));
        Assert.Contains("USR-B", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_slot_without_an_initrd_boots_without_one(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0", withInitrd: false);

        var target = await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.Null(target!.InitrdPath);
        Assert.Null(machine.EspText(EspLayout.InitrdPath(UsrSlotName.B)));
    }

    [Theory]
    [InlineData("grub-env")]
    [InlineData("systemd-boot")]
    public async Task A_folder_that_is_not_a_set_up_esp_is_refused_and_nothing_is_written_there(string kind)
    {
        using var machine = await BootTestMachine.CreateAsync(kind);
        var slot = await machine.SlotAsync(UsrSlotName.B);

        var read = await Assert.ThrowsAsync<DiskException>(() => machine.Backend.ReadAsync(default));
        var install = await Assert.ThrowsAsync<DiskException>(() => machine.Backend.MarkInstalledAsync(slot, machine.Kernel("1.1.0"), default));

        Assert.Contains("is the ESP mounted there?", read.Message, StringComparison.Ordinal);
        Assert.Contains(machine.Esp, install.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(machine.Esp));
    }
}
