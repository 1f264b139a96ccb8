namespace Keelson.Disks.Tests;

public sealed class FlatcarLayoutTests
{
    private const long MiB = TestDisks.MiB;

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Create_makes_the_Flatcar_partitions_with_their_labels_types_and_usr_uuids(int sectorSize)
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp, sectorSize: sectorSize);

        using var disk = await GptDisk.OpenAsync(path);

        Assert.Equal(sectorSize, disk.SectorSize);
        Assert.Equal(
            new (int, string, Guid)[]
            {
                (1, "EFI-SYSTEM", GptPartitionTypes.EfiSystem),
                (2, "BIOS-BOOT", GptPartitionTypes.BiosBoot),
                (3, "USR-A", GptPartitionTypes.CoreOsUsr),
                (4, "USR-B", GptPartitionTypes.CoreOsUsr),
                (6, "OEM", GptPartitionTypes.LinuxData),
                (7, "OEM-CONFIG", GptPartitionTypes.CoreOsReserved),
                (9, "ROOT", GptPartitionTypes.CoreOsResize),
            },
            disk.Partitions.Select(p => (p.Number, p.Label, p.TypeGuid)));
        Assert.Null(disk.FindPartition(5)); // ROOT-C is a blank entry, as Flatcar's disk_util leaves it
        Assert.Equal(FlatcarLayout.UsrAPartitionUuid, disk.GetSlot(UsrSlotName.A).PartitionUuid);
        Assert.Equal(FlatcarLayout.UsrBPartitionUuid, disk.GetSlot(UsrSlotName.B).PartitionUuid);
        Assert.Equal(7, disk.Partitions.Select(p => p.UniqueGuid).Distinct().Count());
    }

    [Fact]
    public async Task USR_A_is_successful_with_priority_1_and_USR_B_is_blank()
    {
        using var temp = new TempDirectory();
        using var disk = await GptDisk.OpenAsync(await TestDisks.CreateFlatcarAsync(temp));

        var a = disk.GetSlot(UsrSlotName.A);
        var b = disk.GetSlot(UsrSlotName.B);
        Assert.Equal((1, 0, true), (a.Priority, a.Tries, a.Successful));
        Assert.Equal(0UL, b.Partition.Attributes.Value);
        Assert.All(disk.Partitions.Where(p => p.Number != 3), p => Assert.Equal(0UL, p.Attributes.Value));
        Assert.Equal(UsrSlotName.A, disk.SelectBoot().Slot?.Name);
    }

    [Theory]
    [InlineData(16 * MiB, 512)]
    [InlineData(64 * MiB, 512)]
    [InlineData(64 * MiB, 4096)]
    [InlineData(1024 * MiB, 512)]
    [InlineData(3 * 1024 * MiB + 512, 512)]
    public void Partitions_are_4096_byte_aligned_in_order_and_the_usr_slots_get_most_of_a_small_disk(long size, int sectorSize)
    {
        var plan = FlatcarLayout.Plan(size, sectorSize);

        var entrySectors = 16384 / sectorSize;
        var firstUsable = 2 + entrySectors;
        var lastUsable = size / sectorSize - 2 - entrySectors;
        Assert.All(plan, p =>
        {
            Assert.Equal(0, p.FirstLba * sectorSize % 4096);
            Assert.Equal(0, (p.LastLba + 1) * sectorSize % 4096);
            Assert.InRange(p.FirstLba, firstUsable, lastUsable);
            Assert.InRange(p.LastLba, p.FirstLba, lastUsable);
        });
        Assert.All(plan.Zip(plan.Skip(1)), pair => Assert.True(pair.First.LastLba < pair.Second.FirstLba));
        var usr = plan.Where(p => p.TypeGuid == GptPartitionTypes.CoreOsUsr).Select(p => (p.LastLba - p.FirstLba + 1) * sectorSize).ToList();
        Assert.Equal(2, usr.Count);
        Assert.Equal(usr[0], usr[1]);
        Assert.True(usr[0] * 2 >= size / 2, $"the usr slots get {usr[0]} bytes each of {size}");
    }

    [Fact]
    public void A_64M_image_has_usr_slots_big_enough_for_test_filesystems()
    {
        var plan = FlatcarLayout.Plan(64 * MiB);

        Assert.All(plan.Where(p => p.TypeGuid == GptPartitionTypes.CoreOsUsr), p => Assert.True((p.LastLba - p.FirstLba + 1) * 512 >= 16 * MiB));
    }

    [Fact]
    public void From_16_GiB_on_the_partitions_are_where_and_as_big_as_in_a_Flatcar_image()
    {
        var plan = FlatcarLayout.Plan(16L * 1024 * MiB);

        // build_library/disk_layout.json: blocks of 512 bytes, aligned to 4096 blocks; ROOT takes the rest.
        Assert.Equal(
            new (int, long, long)[]
            {
                (1, 4096, 2097152),
                (2, 2101248, 4096),
                (3, 2105344, 4194304),
                (4, 6299648, 4194304),
                (6, 10493952, 2097152),
                (7, 12591104, 131072),
            },
            plan.Take(6).Select(p => (p.Number, p.FirstLba, p.LastLba - p.FirstLba + 1)));
        Assert.Equal(12722176, plan[6].FirstLba);
    }

    [Theory]
    [InlineData(8 * MiB)]
    [InlineData(16 * MiB - 512)]
    public void A_disk_too_small_for_the_layout_is_refused(long size)
    {
        var error = Assert.Throws<DiskException>(() => FlatcarLayout.Plan(size));

        Assert.Contains("too small", error.Message, StringComparison.Ordinal);
        Assert.Contains("16 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_refuses_bad_input_and_leaves_nothing_behind()
    {
        using var temp = new TempDirectory();
        var existing = temp.File("existing.img");
        await File.WriteAllTextAsync(existing, "keep me");

        var exists = await Assert.ThrowsAsync<DiskException>(() => FlatcarLayout.CreateImageAsync(existing, 64 * MiB));
        var small = await Assert.ThrowsAsync<DiskException>(() => FlatcarLayout.CreateImageAsync(temp.File("small.img"), 1 * MiB));
        var odd = await Assert.ThrowsAsync<DiskException>(() => FlatcarLayout.CreateImageAsync(temp.File("odd.img"), 64 * MiB + 100));

        Assert.Contains("already exists", exists.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));
        Assert.Contains("too small", small.Message, StringComparison.Ordinal);
        Assert.Contains("multiple", odd.Message, StringComparison.Ordinal);
        Assert.Equal([existing], Directory.GetFiles(temp.Path));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1000, "1000 B")]
    [InlineData(4096, "4 KiB")]
    [InlineData(24 * MiB, "24 MiB")]
    [InlineData(1536 * MiB, "1536 MiB")]
    [InlineData(2048 * MiB, "2 GiB")]
    public void Sizes_are_shown_exactly(long bytes, string text) => Assert.Equal(text, FlatcarLayout.FormatSize(bytes));
}
