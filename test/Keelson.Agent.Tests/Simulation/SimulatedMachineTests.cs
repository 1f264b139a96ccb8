using Keelson.Agent.Configuration;
using Keelson.Agent.Host;
using Keelson.Agent.Simulation;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Payloads;

namespace Keelson.Agent.Tests.Simulation;

public sealed class SimulatedMachineTests : IDisposable
{
    private static readonly Uri s_server = new("http://127.0.0.1:8080");

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-simulated-");
    private readonly PayloadSigningKey _key = PayloadSigningKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private Task<string> UsrImageAsync(string version) => TestUsrImages.CreateAsync(_directory.FullName, version);

    private async Task<string> PublicKeyAsync()
    {
        var path = PathOf("trusted.pub");
        await File.WriteAllTextAsync(path, _key.PublicKey.ExportPem());
        return path;
    }

    private async Task<SimulatedMachine> CreateAsync(
        string name, long? diskSize = null, RebootStrategy? strategy = null, IReadOnlyList<string>? extraSettings = null) =>
        await SimulatedMachine.CreateAsync(
            PathOf(name), await UsrImageAsync("3510.2.0"), s_server, "beta", await PublicKeyAsync(), diskSize, strategy, extraSettings ?? [], CancellationToken.None);

    [Fact]
    public void A_boot_record_is_written_and_read_back_as_key_value_lines()
    {
        var record = new SimulatedMachine.BootRecord(UsrSlotName.B, Guid.Parse("6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11"), 3);

        var text = record.Format();

        Assert.Equal("SLOT=B\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\nCOUNT=3\n", text);
        Assert.Equal(record, SimulatedMachine.BootRecord.Parse(text, "run/boot"));
    }

    [Fact]
    public void A_boot_record_accepts_the_slot_label_windows_line_endings_and_lines_in_any_order()
    {
        var text = "COUNT=12\r\nSLOT=USR-A\r\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\r\n";

        var record = SimulatedMachine.BootRecord.Parse(text, "run/boot");

        Assert.Equal(new SimulatedMachine.BootRecord(UsrSlotName.A, Guid.Parse("6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11"), 12), record);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SLOT=C\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\nCOUNT=1\n")]
    [InlineData("SLOT=A\nBOOT_ID=yesterday\nCOUNT=1\n")]
    [InlineData("SLOT=A\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\nCOUNT=many\n")]
    [InlineData("SLOT=A\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\n")]
    [InlineData("SLOT=A\nSLOT=B\nBOOT_ID=6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11\nCOUNT=1\n")]
    public void A_file_that_is_not_a_boot_record_is_refused_by_name(string text)
    {
        var error = Assert.Throws<UpdateEngineException>(() => SimulatedMachine.BootRecord.Parse(text, "/m/run/boot"));

        Assert.Equal("/m/run/boot is not a boot record (SLOT=, BOOT_ID=, COUNT=)", error.Message);
    }

    [Fact]
    public async Task A_new_machine_runs_the_image_from_usr_a_and_follows_its_group_on_the_server()
    {
        var machine = await CreateAsync("m1");

        Assert.Equal(new ReleaseInfo("3510.2.0", "amd64-usr"), await machine.ReadReleaseAsync(UsrSlotName.A, CancellationToken.None));
        var config = UpdateConfigReader.Read([machine.ConfigPath]);
        Assert.Equal("beta", config.Group);
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1/update/"), config.Server);
        Assert.Equal([machine.TrustedKeyPath], config.TrustedKeys);
        Assert.Equal(_key.PublicKey.KeyId, PayloadPublicKey.Load(machine.TrustedKeyPath).KeyId);
        Assert.Matches("^[0-9a-f]{32}$", MachineFiles.ReadMachineId(machine.MachineIdPath));
        Assert.True(Directory.Exists(machine.StateDirectory));
        Assert.Null(machine.ReadBoot());
        Assert.Equal(machine.Directory, SimulatedMachine.Open(PathOf("m1")).Directory);
    }

    [Fact]
    public async Task The_strategy_and_extra_settings_land_in_update_conf()
    {
        var machine = await CreateAsync("m1", strategy: RebootStrategy.EtcdLock, extraSettings: ["LOCKSMITHD_ENDPOINT=http://10.0.0.1:2379", "LOCKSMITHD_GROUP=web"]);

        var config = UpdateConfigReader.Read([machine.ConfigPath]);

        Assert.Equal(RebootStrategy.EtcdLock, config.RebootStrategy);
        Assert.Equal([new Uri("http://10.0.0.1:2379")], config.Locks.Etcd!.Endpoints);
        Assert.Equal("web", config.Locks.EtcdGroup);
    }

    [Fact]
    public async Task Two_machines_get_different_machine_ids()
    {
        var one = await CreateAsync("m1");
        var other = await CreateAsync("m2");

        Assert.NotEqual(MachineFiles.ReadMachineId(one.MachineIdPath), MachineFiles.ReadMachineId(other.MachineIdPath));
    }

    [Fact]
    public async Task A_directory_that_is_not_empty_is_refused_and_left_alone()
    {
        var directory = Directory.CreateDirectory(PathOf("taken"));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "notes.txt"), "mine");

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() => CreateAsync("taken"));

        Assert.Equal($"{directory.FullName} already exists and is not empty", error.Message);
        Assert.Equal(["notes.txt"], directory.GetFileSystemInfos().Select(f => f.Name));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(directory.FullName, "notes.txt")));
    }

    [Fact]
    public async Task A_missing_usr_image_is_refused_and_nothing_is_made()
    {
        var image = PathOf("absent.ext4");

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() => SimulatedMachine.CreateAsync(
            PathOf("m1"), image, s_server, "beta", PathOf("absent.pub"), null, null, [], CancellationToken.None));

        Assert.Equal($"the usr image {image} does not exist", error.Message);
        Assert.False(Directory.Exists(PathOf("m1")));
    }

    [Fact]
    public async Task A_disk_too_small_for_the_image_is_refused_and_nothing_half_made_stays()
    {
        var error = await Assert.ThrowsAsync<UpdateEngineException>(() => CreateAsync("m1", diskSize: FlatcarLayout.MinimumSize));

        Assert.StartsWith("a 16 MiB disk has ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("usr slots, too small for the 8388608-byte image", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(PathOf("m1")));
    }

    [Fact]
    public async Task A_bad_extra_setting_is_refused_at_creation_and_nothing_half_made_stays()
    {
        var error = await Assert.ThrowsAsync<UpdateConfigException>(() => CreateAsync("m1", extraSettings: ["KEELSON_FLEETLOCK_URL=ftp://locks"]));

        Assert.Contains("KEELSON_FLEETLOCK_URL 'ftp://locks' is not an http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(PathOf("m1")));
    }

    [Fact]
    public async Task A_key_that_is_not_a_public_key_is_refused_and_nothing_is_made()
    {
        var image = await UsrImageAsync("3510.2.0");
        var key = PathOf("garbage.pub");
        await File.WriteAllTextAsync(key, "not a key\n");

        await Assert.ThrowsAsync<PayloadException>(() => SimulatedMachine.CreateAsync(
            PathOf("m1"), image, s_server, "beta", key, null, null, [], CancellationToken.None));

        Assert.False(Directory.Exists(PathOf("m1")));
    }

    [Fact]
    public void A_directory_without_a_machine_is_not_opened()
    {
        var error = Assert.Throws<UpdateEngineException>(() => SimulatedMachine.Open(_directory.FullName));

        Assert.Equal(
            $"{_directory.FullName} is not a machine (no disk.img and etc/coreos/update.conf); create it with keelson machine create",
            error.Message);
    }

    [Fact]
    public async Task A_new_machine_boots_usr_a_and_counts_its_boots_with_a_new_boot_id_each()
    {
        var machine = await CreateAsync("m1");

        var first = await machine.BootAsync(CancellationToken.None);
        var second = await machine.BootAsync(CancellationToken.None);

        Assert.Equal((UsrSlotName.A, 1), (first.Slot, first.Count));
        Assert.Equal((UsrSlotName.A, 2), (second.Slot, second.Count));
        Assert.NotEqual(first.BootId, second.BootId);
        Assert.Equal(second, machine.ReadBoot());
        Assert.Equal(second.Format(), await File.ReadAllTextAsync(machine.BootPath));
    }

    [Fact]
    public async Task An_installed_usr_b_boots_next_using_its_one_try_and_a_further_boot_falls_back_to_a()
    {
        var machine = await CreateAsync("m1");
        await machine.BootAsync(CancellationToken.None);
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, writable: true))
        {
            await disk.MarkInstalledAsync(UsrSlotName.B);
        }

        var trial = await machine.BootAsync(CancellationToken.None);
        int triesLeft;
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath))
        {
            triesLeft = disk.GetSlot(UsrSlotName.B).Tries;
        }

        // Nobody marked B good during its trial boot.
        var fallback = await machine.BootAsync(CancellationToken.None);

        Assert.Equal((UsrSlotName.B, 2), (trial.Slot, trial.Count));
        Assert.Equal(0, triesLeft);
        Assert.Equal((UsrSlotName.A, 3), (fallback.Slot, fallback.Count));
    }

    [Fact]
    public async Task A_usr_b_marked_good_keeps_booting()
    {
        var machine = await CreateAsync("m1");
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, writable: true))
        {
            await disk.MarkInstalledAsync(UsrSlotName.B);
        }

        await machine.BootAsync(CancellationToken.None);
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, writable: true))
        {
            await disk.MarkGoodAsync(UsrSlotName.B);
        }

        var next = await machine.BootAsync(CancellationToken.None);

        Assert.Equal(UsrSlotName.B, next.Slot);
    }

    [Fact]
    public async Task A_disk_with_no_bootable_slot_does_not_come_up_and_keeps_the_last_boot()
    {
        var machine = await CreateAsync("m1");
        var last = await machine.BootAsync(CancellationToken.None);
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, writable: true))
        {
            await disk.SetSlotAttributesAsync(UsrSlotName.A, priority: 0, tries: 0, successful: false);
        }

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() => machine.BootAsync(CancellationToken.None));

        Assert.Equal($"{machine.DiskPath} has no bootable usr slot: the machine does not come up", error.Message);
        Assert.False(error.IsTransient);
        Assert.Equal(last, machine.ReadBoot());
    }

    [Fact]
    public async Task A_kexec_starts_the_slot_its_command_line_names_without_the_bootloader_using_a_try()
    {
        var machine = await CreateAsync("m1");
        await machine.BootAsync(CancellationToken.None);
        Guid partuuid;
        using (var disk = await GptDisk.OpenAsync(machine.DiskPath, writable: true))
        {
            partuuid = (await disk.MarkInstalledAsync(UsrSlotName.B)).PartitionUuid;
        }

        var host = new SimulatedHost(machine);
        var kernel = PathOf("vmlinuz");
        await File.WriteAllBytesAsync(kernel, [1, 2, 3]);
        var commandLine = await host.ReadKernelCommandLineAsync(CancellationToken.None);

        await host.KexecAsync(new KexecTarget(kernel, null, $"{KernelCommandLine.WithoutUsr(commandLine)} mount.usr=PARTUUID={partuuid}"), CancellationToken.None);
        var reboot = await host.RebootRequested;
        var boot = await machine.BootAsync(CancellationToken.None, reboot.Kexec ? reboot.Slot : null);

        Assert.Contains("mount.usr=PARTUUID=", commandLine, StringComparison.Ordinal);
        Assert.Equal(new SimulatedReboot(UsrSlotName.B, Kexec: true), reboot);
        Assert.Equal((UsrSlotName.B, 2), (boot.Slot, boot.Count));
        using var after = await GptDisk.OpenAsync(machine.DiskPath);
        Assert.Equal(1, after.GetSlot(UsrSlotName.B).Tries);
    }

    [Fact]
    public async Task A_kexec_of_a_kernel_that_is_not_there_fails_with_the_kexec_code_and_reboots_nothing()
    {
        var machine = await CreateAsync("m1");
        await machine.BootAsync(CancellationToken.None);
        var host = new SimulatedHost(machine);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            host.KexecAsync(new KexecTarget(PathOf("absent"), null, "console=ttyS0"), CancellationToken.None));

        Assert.Equal(Keelson.Omaha.OmahaErrorCodes.KexecFailed, error.ErrorCode);
        Assert.False(host.RebootRequested.IsCompleted);
    }
}
