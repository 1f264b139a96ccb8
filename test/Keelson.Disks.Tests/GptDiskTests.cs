using System.Security.Cryptography;

namespace Keelson.Disks.Tests;

public sealed class GptDiskTests
{
    private const long DiskSize = 64 * TestDisks.MiB;

    [Theory]
    [InlineData(512, 30)] // a byte inside the header: its CRC no longer matches
    [InlineData(512, 512 + 128 * 2 + 60)] // a byte of partition 3's name in the entry array
    [InlineData(4096, 30)]
    [InlineData(4096, 4096 + 128 * 3 + 49)] // partition 4's attributes
    public async Task A_corrupt_primary_is_read_from_the_backup_and_repaired_to_the_same_bytes(int sectorSize, long offsetInPrimary)
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp, sectorSize: sectorSize);
        var original = await File.ReadAllBytesAsync(path);
        var before = await TestDisks.AttributesAsync(path);
        TestDisks.FlipByte(path, sectorSize + offsetInPrimary);

        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            Assert.NotNull(disk.Health.PrimaryProblem);
            Assert.StartsWith("primary header at LBA 1: ", disk.Health.PrimaryProblem, StringComparison.Ordinal);
            Assert.Null(disk.Health.BackupProblem);
            Assert.Equal("backup", disk.Health.ReadFrom);
            Assert.Equal(before, disk.Partitions.ToDictionary(p => p.Number, p => p.Attributes.Value));
            Assert.Equal("USR-A", disk.GetSlot(UsrSlotName.A).Label);

            Assert.True(await disk.RepairAsync());
            Assert.False(disk.Health.NeedsRepair);
        }

        Assert.Equal(original, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_corrupt_backup_is_noticed_the_primary_used_and_the_backup_rebuilt()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        var original = await File.ReadAllBytesAsync(path);
        TestDisks.Zero(path, DiskSize - 512, 512);

        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            Assert.Null(disk.Health.PrimaryProblem);
            Assert.Equal("no GPT signature", disk.Health.BackupProblem);
            Assert.True(await disk.RepairAsync());
            Assert.False(await disk.RepairAsync());
        }

        Assert.Equal(original, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_disk_with_both_copies_corrupt_is_refused_naming_both_and_left_untouched()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        TestDisks.FlipByte(path, 512 + 20);
        TestDisks.FlipByte(path, DiskSize - 512 + 40);
        var damaged = SHA256.HashData(await File.ReadAllBytesAsync(path));

        var error = await Assert.ThrowsAsync<DiskException>(() => GptDisk.OpenAsync(path, writable: true));

        Assert.Contains("both copies of the GPT are corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("primary header at LBA 1: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"backup header at LBA {DiskSize / 512 - 1}: ", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.Equal(damaged, SHA256.HashData(await File.ReadAllBytesAsync(path)));
    }

    [Fact]
    public async Task A_file_without_a_GPT_is_refused_as_not_a_GPT_disk()
    {
        using var temp = new TempDirectory();
        var path = temp.File("zeros.img");
        await File.WriteAllBytesAsync(path, new byte[4 * TestDisks.MiB]);

        var error = await Assert.ThrowsAsync<DiskException>(() => GptDisk.OpenAsync(path));

        Assert.Contains("is not a GPT disk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_refused_saying_so()
    {
        using var temp = new TempDirectory();

        var error = await Assert.ThrowsAsync<DiskException>(() => GptDisk.OpenAsync(temp.File("nope.img")));

        Assert.Equal($"{temp.File("nope.img")} does not exist", error.Message);
    }

    [Fact]
    public async Task An_image_with_4096_byte_sectors_is_found_without_being_told()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp, sectorSize: 4096);

        using var disk = await GptDisk.OpenAsync(path);
        var told = Record.ExceptionAsync(() => GptDisk.OpenAsync(path, sectorSize: 512));

        Assert.Equal(4096, disk.SectorSize);
        Assert.Equal(FlatcarLayout.Plan(DiskSize).Select(p => p.FirstLba * 512), disk.Partitions.Select(p => p.ByteOffset));
        Assert.IsType<DiskException>(await told);
    }

    [Fact]
    public async Task Writes_on_a_disk_opened_read_only_are_refused()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp));

        await Assert.ThrowsAsync<InvalidOperationException>(() => disk.MarkGoodAsync(UsrSlotName.A));
    }

    [Fact]
    public async Task Boot_uses_up_a_try_and_writes_it_back_then_falls_back_when_the_new_slot_was_never_marked_good()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            await disk.MarkInstalledAsync(UsrSlotName.B);
        }

        BootSelection first;
        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            first = await disk.BootAsync();
        }

        using var reread = await GptDisk.OpenAsync(path, writable: true);
        Assert.Equal(UsrSlotName.B, first.Slot?.Name);
        Assert.True(first.TriesDecremented);
        Assert.Equal((2, 0, false), (first.Slot!.Priority, first.Slot.Tries, first.Slot.Successful));
        Assert.Equal(0, reread.GetSlot(UsrSlotName.B).Tries);

        var second = await reread.BootAsync();

        Assert.Equal(UsrSlotName.A, second.Slot?.Name);
        Assert.False(second.TriesDecremented);
        Assert.Equal(FlatcarLayout.UsrAPartitionUuid, second.Slot!.PartitionUuid);
    }

    [Fact]
    public async Task Marking_the_booted_slot_good_keeps_booting_it()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp), writable: true);
        await disk.MarkInstalledAsync(UsrSlotName.B);
        await disk.BootAsync();

        var good = await disk.MarkGoodAsync(UsrSlotName.B);

        Assert.Equal((2, 0, true), (good.Priority, good.Tries, good.Successful));
        Assert.Equal((1, true), (disk.GetSlot(UsrSlotName.A).Priority, disk.GetSlot(UsrSlotName.A).Successful));
        for (var boot = 0; boot < 3; boot++)
        {
            Assert.Equal(UsrSlotName.B, (await disk.BootAsync()).Slot?.Name);
        }
    }

    [Fact]
    public async Task Nothing_to_boot_is_an_outcome_not_an_error()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp), writable: true);
        await disk.SetSlotAttributesAsync(UsrSlotName.A, priority: 0);

        var selection = await disk.BootAsync();

        Assert.False(selection.CanBoot);
        Assert.Null(selection.Slot);
    }

    [Fact]
    public async Task Attribute_changes_keep_the_bits_they_do_not_own()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp), writable: true);
        await disk.SetAttributesAsync(4, new GptAttributes(0x8000_0000_0000_0004UL), default);

        await disk.MarkInstalledAsync(UsrSlotName.B);
        await disk.BootAsync();
        await disk.MarkGoodAsync(UsrSlotName.B);

        Assert.Equal(0x8102_0000_0000_0004UL, disk.GetSlot(UsrSlotName.B).Partition.Attributes.Value);
    }

    [Fact]
    public async Task Slot_roles_follow_the_booted_partition_uuid()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp));

        var roles = disk.GetSlotRoles(FlatcarLayout.UsrBPartitionUuid);

        Assert.Equal((UsrSlotName.B, UsrSlotName.A), (roles.Active.Name, roles.Passive.Name));
        Assert.Equal(UsrSlotName.A, disk.FindSlot(FlatcarLayout.UsrAPartitionUuid)?.Name);
        Assert.Null(disk.FindSlot(Guid.NewGuid()));
        Assert.Throws<DiskException>(() => disk.GetSlotRoles(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_slot_label_on_a_partition_of_another_type_is_an_error_naming_it()
    {
        using var temp = new TempDirectory();
        var path = temp.File("odd.img");
        var specs = FlatcarLayout.Plan(DiskSize).Select(p => p.Number == 4 ? p with { TypeGuid = GptPartitionTypes.LinuxData } : p).ToList();
        (await GptDisk.CreateImageAsync(path, DiskSize, 512, Guid.NewGuid(), specs)).Dispose();

        using var disk = await GptDisk.OpenAsync(path);
        var error = Assert.Throws<DiskException>(() => disk.GetSlot(UsrSlotName.B));

        Assert.Contains("partition 4 is labelled USR-B but its type is linux-data", error.Message, StringComparison.Ordinal);
        Assert.Equal(UsrSlotName.A, disk.GetSlot(UsrSlotName.A).Name);
    }

    [Fact]
    public async Task A_slot_stream_writes_exactly_the_slot_bytes_and_no_further()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        using var disk = await GptDisk.OpenAsync(path);
        var slot = disk.GetSlot(UsrSlotName.B);
        var image = RandomNumberGenerator.GetBytes((int)slot.ByteLength);

        await using (var stream = disk.OpenSlotStream(UsrSlotName.B, writable: true))
        {
            await stream.WriteAsync(image);
            await Assert.ThrowsAsync<IOException>(async () => await stream.WriteAsync(new byte[1]));
            await stream.FlushAsync();
        }

        var bytes = await File.ReadAllBytesAsync(path);
        Assert.Equal(image, bytes.AsSpan((int)slot.ByteOffset, image.Length).ToArray());
        Assert.All(bytes.AsSpan((int)(slot.ByteOffset + slot.ByteLength), 4096).ToArray(), b => Assert.Equal(0, b));
        await using var read = disk.OpenSlotStream(UsrSlotName.B, writable: false);
        Assert.Equal(SHA256.HashData(image), await SHA256.HashDataAsync(read));
        Assert.Equal((await TestDisks.AttributesAsync(path))[4], disk.GetSlot(UsrSlotName.B).Partition.Attributes.Value);
    }
}
