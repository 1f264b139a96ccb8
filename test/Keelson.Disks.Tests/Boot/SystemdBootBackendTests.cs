using System.Text.Json;
using Keelson.Disks.Boot;
using Xunit.Sdk;

namespace Keelson.Disks.Tests.Boot;

/// <summary>
/// The systemd-boot backend's files, checked against systemd's own reader: <c>bootctl list</c> (Debian package
/// systemd-boot) lists the entries in the order systemd-boot sorts them, with their boot counters. bootctl wants the
/// ESP to be a mount point, so each listing runs in a private mount namespace where the ESP folder is bind-mounted
/// on itself (<c>unshare</c>, util-linux).
/// </summary>
public sealed class SystemdBootBackendTests
{
    [Fact]
    public async Task Init_writes_loader_conf_without_a_default_and_a_good_entry_for_A()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");

        await machine.InitializeAsync("1.0.0");

        var loader = machine.EspText(EspLayout.LoaderConfPath)!;
        Assert.Contains("timeout 0\n", loader, StringComparison.Ordinal);
        Assert.DoesNotContain("default", loader, StringComparison.Ordinal);
        Assert.Equal(["keelson-1.0.0-A.conf"], EntryFiles(machine));
        Assert.Equal(
            $"title Keelson 1.0.0 (USR-A)\nversion 1.0.0\nlinux /keelson/A/vmlinuz\ninitrd /keelson/A/initrd\noptions console=ttyS0 panic=-1 mount.usr=PARTUUID={FlatcarLayout.UsrAPartitionUuid}\n",
            machine.EspText("/loader/entries/keelson-1.0.0-A.conf"));
        var listed = await BootctlListAsync(machine);
        Assert.Equal([("keelson-1.0.0-A.conf", null, null)], listed.Select(e => (e.Path, e.Left, e.Done)));
        Assert.Equal($"console=ttyS0 panic=-1 mount.usr=PARTUUID={FlatcarLayout.UsrAPartitionUuid}", listed[0].Options);
    }

    [Fact]
    public async Task Bootctl_sorts_the_entries_as_keelson_does_through_an_update_its_fallback_and_a_good_update()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");
        await machine.InitializeAsync("1.0.0");

        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        Assert.Equal(["keelson-1.1.0-B+1.conf", "keelson-1.0.0-A.conf"], await BootctlOrderAsync(machine));
        await AssertNextIsBootctlsFirstAsync(machine);

        await machine.BootAsync();
        Assert.Equal(["keelson-1.0.0-A.conf", "keelson-1.1.0-B+0-1.conf"], await BootctlOrderAsync(machine));
        await AssertNextIsBootctlsFirstAsync(machine);

        await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.B), default);
        Assert.Equal(["keelson-1.1.0-B.conf", "keelson-1.0.0-A.conf"], await BootctlOrderAsync(machine));
        await AssertNextIsBootctlsFirstAsync(machine);
    }

    [Fact]
    public async Task An_older_version_installed_boots_first_and_falls_back_to_the_newer_one_when_not_marked_good()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");
        await machine.InitializeAsync("2.0.0");

        await machine.InstallAsync(UsrSlotName.B, "1.9.0");

        // systemd-boot has no priority but its order, so the newer running entry has its tries set to 0.
        Assert.Equal(["keelson-1.9.0-B+1.conf", "keelson-2.0.0-A+0-0.conf"], await BootctlOrderAsync(machine));
        await AssertNextIsBootctlsFirstAsync(machine);
        Assert.Equal(UsrSlotName.B, (await machine.BootAsync())?.Slot);

        // Both have no tries left now: systemd-boot boots the newest as its last resort.
        Assert.Equal(["keelson-2.0.0-A+0-0.conf", "keelson-1.9.0-B+0-1.conf"], await BootctlOrderAsync(machine));
        Assert.Equal(new SimulatedBoot(UsrSlotName.A, FlatcarLayout.UsrAPartitionUuid, TryCounted: true), await machine.BootAsync());
        await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.A), default);
        Assert.Equal(["keelson-2.0.0-A.conf", "keelson-1.9.0-B+0-1.conf"], await BootctlOrderAsync(machine));
    }

    [Fact]
    public async Task A_kexec_renames_the_entry_as_systemd_boot_does_and_gets_the_entrys_options()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");

        var target = await machine.Backend.CountTryAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.Equal($"console=ttyS0 panic=-1 mount.usr=PARTUUID={FlatcarLayout.UsrBPartitionUuid}", target!.CommandLine);
        Assert.Equal(EspLayout.Local(machine.Esp, "/keelson/B/vmlinuz"), target.KernelPath);
        Assert.Contains(("keelson-1.1.0-B+0-1.conf", 0, 1), (await BootctlListAsync(machine)).Select(e => (e.Path, e.Left, e.Done)));
    }

    [Fact]
    public async Task An_entry_whose_kernel_is_missing_is_skipped_as_systemd_boot_skips_it()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");
        await machine.InitializeAsync("1.0.0");
        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        File.Delete(EspLayout.Local(machine.Esp, EspLayout.KernelPath(UsrSlotName.B)));

        var state = await machine.StateAsync();

        Assert.Equal((0, false), (state.B.Priority, state.B.Bootable));
        Assert.Equal(UsrSlotName.A, state.Next?.Slot);
        await Assert.ThrowsAsync<DiskException>(async () => await machine.Backend.MarkGoodAsync(await machine.SlotAsync(UsrSlotName.B), default));
    }

    [Fact]
    public async Task Entries_of_other_systems_are_left_alone()
    {
        using var machine = await BootTestMachine.CreateAsync("systemd-boot");
        await machine.InitializeAsync("1.0.0");
        var other = EspLayout.Local(machine.Esp, "/loader/entries/debian-6.1.conf");
        await File.WriteAllTextAsync(other, "title Debian\nlinux /vmlinuz-6.1\n");

        await machine.InstallAsync(UsrSlotName.B, "1.1.0");
        await machine.Backend.DisableAsync(await machine.SlotAsync(UsrSlotName.B), default);

        Assert.Equal("title Debian\nlinux /vmlinuz-6.1\n", await File.ReadAllTextAsync(other));
        Assert.Equal(["debian-6.1.conf", "keelson-1.0.0-A.conf"], EntryFiles(machine));
    }

    private static List<string> EntryFiles(BootTestMachine machine) =>
        [.. Directory.GetFiles(EspLayout.Local(machine.Esp, EspLayout.EntriesPath)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private static async Task AssertNextIsBootctlsFirstAsync(BootTestMachine machine)
    {
        var first = (await BootctlOrderAsync(machine))[0];
        var next = (await machine.StateAsync()).Next;
        Assert.NotNull(next);
        Assert.EndsWith($"-{next.Slot}", SystemdBootEntryName.Parse(first)!.Name, StringComparison.Ordinal);
    }

    private static async Task<List<string>> BootctlOrderAsync(BootTestMachine machine) =>
        [.. (await BootctlListAsync(machine)).Select(e => e.Path)];

    private static async Task<List<(string Path, int? Left, int? Done, string? Options)>> BootctlListAsync(BootTestMachine machine)
    {
        var script = $"mount --bind '{machine.Esp}' '{machine.Esp}' && SYSTEMD_RELAX_ESP_CHECKS=1 bootctl --esp-path='{machine.Esp}' --no-pager --json=short list";
        var result = await ExternalTool.RunAsync("unshare", "--map-root-user", "--mount", "sh", "-c", script);
        if (result.ExitCode != 0)
        {
            throw new XunitException($"bootctl list (Debian package systemd-boot) in a private mount namespace (unshare) failed:\n{result}");
        }

        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var entry = JsonDocument.Parse(line).RootElement;
            return (
                Path.GetFileName(entry.GetProperty("path").GetString()!),
                entry.TryGetProperty("triesLeft", out var left) ? left.GetInt32() : (int?)null,
                entry.TryGetProperty("triesDone", out var done) ? done.GetInt32() : (int?)null,
                entry.TryGetProperty("options", out var options) ? options.GetString() : null);
        })];
    }
}
