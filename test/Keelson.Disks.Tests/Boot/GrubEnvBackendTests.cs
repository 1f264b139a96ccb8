using Keelson.Disks.Boot;

namespace Keelson.Disks.Tests.Boot;

/// <summary>The grub-env backend's state as grub-editenv sees it, and GRUB's fallbacks for a missing or odd block.</summary>
public sealed class GrubEnvBackendTests
{
    [Fact]
    public async Task Grub_editenv_lists_the_state_keelson_writes_and_variables_of_others_are_kept()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        var env = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        await ExternalTool.SucceedAsync("grub-editenv", env, "set", "saved_entry=something else");

        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        var listed = (await ExternalTool.SucceedAsync("grub-editenv", env, "list")).StandardOutput;
        Assert.Equal(
            "KEELSON_ORDER=B A\nKEELSON_A_GOOD=1\nKEELSON_A_TRY=0\nKEELSON_B_GOOD=0\nKEELSON_B_TRY=1\nKEELSON_A_VERSION=1.0.0\nsaved_entry=something else\nKEELSON_B_VERSION=1.1.0\n",
            listed);
        Assert.Equal(GrubEnvironmentBlock.Size, new FileInfo(env).Length);
    }

    [Fact]
    public async Task A_try_counted_by_grub_editenv_as_grubs_save_env_would_is_read_back()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        await ExternalTool.SucceedAsync("grub-editenv", EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath), "set", "KEELSON_B_TRY=0");

        var state = await machine.StateAsync();
        Assert.False(state.B.Bootable);
        Assert.Equal(UsrSlotName.A, state.Next?.Slot);
    }

    [Fact]
    public async Task Init_writes_grub_cfg_for_the_disk_with_the_command_line_and_grub_script_check_accepts_it()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");

        await machine.InitializeAsync("1.0.0");

        var config = machine.EspText(EspLayout.GrubConfigPath)!;
        Assert.Equal(BootTestMachine.CommandLine, GrubConfig.ReadBaseCommandLine(config, "grub.cfg"));
        Assert.Contains($"mount.usr=PARTUUID={FlatcarLayout.UsrBPartitionUuid}", config, StringComparison.Ordinal);
        await ExternalTool.SucceedAsync("grub-script-check", EspLayout.Local(machine.Esp, EspLayout.GrubConfigPath));
        Assert.Equal("kernel 1.0.0", machine.EspText(EspLayout.KernelPath(UsrSlotName.A)));
    }

    [Fact]
    public async Task A_kexec_gets_the_command_line_grub_would_give()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        var target = await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.Equal($"BOOT_IMAGE=/keelson/B/vmlinuz console=ttyS0 panic=-1 mount.usr=PARTUUID={FlatcarLayout.UsrBPartitionUuid}", target!.CommandLine);
        var listed = (await ExternalTool.SucceedAsync("grub-editenv", EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath), "list")).StandardOutput;
        Assert.Contains("KEELSON_B_TRY=0\n", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kexec_without_grub_cfg_is_refused_naming_the_file_and_counts_nothing()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        File.Delete(EspLayout.Local(machine.Esp, EspLayout.GrubConfigPath));

        var error = await Assert.ThrowsAsync<DiskException>(async () => await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.B), default));

        Assert.Contains("grub.cfg", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await machine.StateAsync()).B.TriesLeft);
    }

    [Fact]
    public async Task Without_a_grubenv_grub_boots_A_as_on_a_fresh_disk_and_nothing_is_written()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        var env = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        File.Delete(env);

        var state = await machine.StateAsync();

        Assert.Equal((true, UsrSlotName.A), (state.A.Good, state.Next?.Slot));
        Assert.False(state.B.Bootable);
        Assert.Equal(UsrSlotName.A, (await machine.BootAsync())?.Slot);
        Assert.False(File.Exists(env));
    }

    [Theory]
    [InlineData("", "1", "0", "0", "1", UsrSlotName.B)]
    [InlineData("B", "0", "1", "1", "0", UsrSlotName.A)]
    [InlineData("garbage", "1", "0", "0", "1", UsrSlotName.B)]
    [InlineData("A,B", "0", "1", "0", "1", UsrSlotName.A)]
    [InlineData("b a", "1", "0", "1", "0", UsrSlotName.A)]
    public async Task A_missing_or_garbled_order_boots_a_good_slot_before_one_on_trial_and_A_before_B(
        string order, string aTry, string aGood, string bTry, string bGood, UsrSlotName expected)
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        var env = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        await ExternalTool.SucceedAsync("grub-editenv", env, "set", $"KEELSON_A_TRY={aTry}", $"KEELSON_A_GOOD={aGood}", $"KEELSON_B_TRY={bTry}", $"KEELSON_B_GOOD={bGood}");
        if (order.Length == 0)
        {
            await ExternalTool.SucceedAsync("grub-editenv", env, "unset", "KEELSON_ORDER");
        }
        else
        {
            await ExternalTool.SucceedAsync("grub-editenv", env, "set", $"KEELSON_ORDER={order}");
        }

        Assert.Equal(expected, (await machine.StateAsync()).Next?.Slot);
        Assert.Equal(expected, (await machine.BootAsync())?.Slot);
    }

    [Fact]
    public async Task A_slot_whose_kernel_is_missing_is_skipped_and_cannot_be_prioritized()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        File.Delete(EspLayout.Local(machine.Esp, EspLayout.KernelPath(UsrSlotName.B)));

        Assert.Equal(UsrSlotName.A, (await machine.StateAsync()).Next?.Slot);
        var error = await Assert.ThrowsAsync<DiskException>(async () => await machine.Backend.PrioritizeAsync(await machine.SlotAsync(UsrSlotName.B), default));
        Assert.Contains("/keelson/B/vmlinuz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_grubenv_is_refused_by_every_change_and_left_as_it_was()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        var env = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        var corrupt = (await File.ReadAllBytesAsync(env))[..1000];
        await File.WriteAllBytesAsync(env, corrupt);
        var slot = await machine.SlotAsync(UsrSlotName.B);

        foreach (var change in new Func<Task>[]
        {
            () => machine.Backend.ReadAsync(default),
            () => machine.Backend.MarkInstalledAsync(slot, machine.Kernel("1.1.0"), default),
            () => machine.Backend.MarkGoodAsync(slot, default),
            () => machine.Backend.DisableAsync(slot, default),
            () => machine.BootAsync(),
        })
        {
            var error = await Assert.ThrowsAsync<DiskException>(change);
            Assert.Contains(env, error.Message, StringComparison.Ordinal);
            Assert.Contains("not the 1024", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(corrupt, await File.ReadAllBytesAsync(env));
    }
}
