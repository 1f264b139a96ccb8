using Keelson.Disks.Boot;
using Xunit.Abstractions;

namespace Keelson.Disks.Tests.Boot;

/// <summary>
/// The generated grub.cfg run by GRUB itself (grub-emu) on the disk image's FAT ESP: it picks the slot the backend
/// predicts, counts a try with save_env, falls back and never retries a slot that used its try.
/// </summary>
public sealed class GrubScriptTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Grub_boots_A_then_an_update_once_falls_back_and_stays_on_it_once_marked_good()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        Assert.Equal(UsrSlotName.A, await BootAsync(machine));

        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        Assert.Equal(UsrSlotName.B, await BootAsync(machine));
        var counted = await machine.StateAsync();
        Assert.Equal((0, false), (counted.B.TriesLeft, counted.B.Good));
        Assert.Equal(UsrSlotName.A, await BootAsync(machine));
        Assert.Equal(UsrSlotName.A, await BootAsync(machine));

        await machine.InstallAsync(UsrSlotName.B, "1.1.1");
        Assert.Equal(UsrSlotName.B, await BootAsync(machine));
        await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.B), default);
        Assert.Equal(UsrSlotName.B, await BootAsync(machine));
        Assert.Equal(UsrSlotName.B, await BootAsync(machine));

        await machine.Backend.PrioritizeAsync(await machine.SlotAsync(UsrSlotName.A), default);
        Assert.Equal(UsrSlotName.A, await BootAsync(machine));
    }

    [Theory]
    [InlineData("A B", "1", "0", "0", "1")]
    [InlineData("B A", "1", "0", "0", "1")]
    [InlineData("B A", "0", "0", "1", "0")]
    [InlineData("B A", "0", "1", "0", "0")]
    [InlineData("A B", "0", "0", "0", "0")]
    [InlineData("garbled", "0", "1", "1", "0")]
    [InlineData("garbled", "1", "0", "0", "1")]
    [InlineData("garbled", "1", "0", "1", "0")]
    [InlineData(null, "0", "1", "0", "1")]
    public async Task Grub_picks_the_slot_the_backend_reads_as_next(string? order, string aGood, string aTry, string bGood, string bTry)
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        var env = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        await ExternalTool.SucceedAsync("grub-editenv", env, "set", $"KEELSON_A_GOOD={aGood}", $"KEELSON_A_TRY={aTry}", $"KEELSON_B_GOOD={bGood}", $"KEELSON_B_TRY={bTry}");
        await ExternalTool.SucceedAsync("grub-editenv", order is null ? [env, "unset", "KEELSON_ORDER"] : [env, "set", $"KEELSON_ORDER={order}"]);

        var expected = (await machine.StateAsync()).Next?.Slot;

        Assert.Equal(expected, await BootAsync(machine));
    }

    [Fact]
    public async Task Without_grubenv_grub_boots_A_and_with_a_missing_kernel_it_skips_the_slot()
    {
        using var machine = await BootTestMachine.CreateAsync("grub-env");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        File.Delete(EspLayout.Local(machine.Esp, EspLayout.KernelPath(UsrSlotName.B)));

        Assert.Equal(UsrSlotName.A, await BootAsync(machine));

        File.Delete(EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath));
        Assert.Equal(UsrSlotName.A, await BootAsync(machine));

        File.Delete(EspLayout.Local(machine.Esp, EspLayout.KernelPath(UsrSlotName.A)));
        Assert.Null(await BootAsync(machine));
    }

    private Task<UsrSlotName?> BootAsync(BootTestMachine machine) => GrubEmu.BootAsync(machine, log.WriteLine);
}
