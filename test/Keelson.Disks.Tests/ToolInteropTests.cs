using System.Globalization;

namespace Keelson.Disks.Tests;

/// <summary>Keelson's disks against the independent tools: sgdisk (gdisk) and cgpt (ChromeOS, used by Flatcar).</summary>
public sealed class ToolInteropTests
{
    [Fact]
    public async Task Sgdisk_finds_no_problems_on_any_disk_Keelson_writes()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        await ExternalTool.AssertSgdiskFindsNoProblemsAsync(path);

        using var disk = await GptDisk.OpenAsync(path, writable: true);
        var steps = new Func<Task>[]
        {
            () => disk.MarkInstalledAsync(UsrSlotName.B),
            () => disk.BootAsync(),
            () => disk.MarkGoodAsync(UsrSlotName.B),
            () => disk.PrioritizeAsync(UsrSlotName.A),
            () => disk.SetSlotAttributesAsync(UsrSlotName.A, priority: 15, tries: 15, successful: true),
        };
        foreach (var step in steps)
        {
            await step();
            await ExternalTool.AssertSgdiskFindsNoProblemsAsync(path);
        }
    }

    [Fact]
    public async Task Sgdisk_sees_the_labels_types_and_uuids_Keelson_wrote()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);

        var usrA = (await ExternalTool.SucceedAsync("sgdisk", "-i", "3", path)).StandardOutput;
        var root = (await ExternalTool.SucceedAsync("sgdisk", "-i", "9", path)).StandardOutput;

        Assert.Contains("Partition GUID code: 5DFBF5F4-2848-4BAC-AA5E-0D9A20B745A6", usrA, StringComparison.Ordinal);
        Assert.Contains("Partition unique GUID: 7130C94A-213A-4E5A-8E26-6CCE9662F132", usrA, StringComparison.Ordinal);
        Assert.Contains("Attribute flags: 0101000000000000", usrA, StringComparison.Ordinal);
        Assert.Contains("Partition name: 'USR-A'", usrA, StringComparison.Ordinal);
        Assert.Contains("Partition GUID code: 3884DD41-8582-4404-B9A8-E9B84F2DF50E", root, StringComparison.Ordinal);
        Assert.Contains("Partition name: 'ROOT'", root, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cgpt_reads_the_attributes_Keelson_wrote()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);
        Assert.Equal((1, 0, 1), await CgptAsync(path, 3));
        Assert.Equal((0, 0, 0), await CgptAsync(path, 4));

        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            await disk.MarkInstalledAsync(UsrSlotName.B);
        }

        Assert.Equal((1, 0, 1), await CgptAsync(path, 3));
        Assert.Equal((2, 1, 0), await CgptAsync(path, 4));

        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            await disk.SetSlotAttributesAsync(UsrSlotName.A, priority: 15, tries: 9, successful: false);
        }

        Assert.Equal((15, 9, 0), await CgptAsync(path, 3));
        Assert.Equal(0x09F, await ExternalTool.CgptShowAsync(path, 3, 'A'));
    }

    [Fact]
    public async Task Keelson_reads_the_attributes_cgpt_wrote()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateFlatcarAsync(temp);

        await ExternalTool.SucceedAsync("cgpt", "add", "-i", "4", "-P", "5", "-T", "7", "-S", "0", path);
        await ExternalTool.SucceedAsync("cgpt", "add", "-i", "3", "-P", "3", "-T", "0", "-S", "1", path);

        using var disk = await GptDisk.OpenAsync(path);
        var a = disk.GetSlot(UsrSlotName.A);
        var b = disk.GetSlot(UsrSlotName.B);
        Assert.Equal((3, 0, true), (a.Priority, a.Tries, a.Successful));
        Assert.Equal((5, 7, false), (b.Priority, b.Tries, b.Successful));
        Assert.False(disk.Health.NeedsRepair);
        Assert.Equal(UsrSlotName.B, disk.SelectBoot().Slot?.Name);
    }

    [Theory]
    [InlineData("1,0", 2)]
    [InlineData("2,1", 2)]
    [InlineData("2,1", 1)]
    [InlineData("1,1", 2)]
    [InlineData("0,0", 1)]
    [InlineData("15,3", 2)]
    [InlineData("5,5,2,0", 3)]
    [InlineData("3,0,3,7,7,1", 2)]
    [InlineData("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,0", 16)]
    public async Task Prioritize_gives_the_same_disk_as_the_real_cgpt_prioritize(string priorities, int chosen)
    {
        // Upstream cgpt prioritizes ChromeOS kernel partitions (Flatcar's fork does the same for CoreOS usr):
        // the same disk twice, partitions 1..N of that type, one prioritized by cgpt and one by Keelson.
        using var temp = new TempDirectory();
        var values = priorities.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var specs = values.Select((priority, index) => new GptPartitionSpec(
            index + 1, $"KERN-{index + 1}", GptPartitionTypes.ChromeOsKernel, Guid.NewGuid(), 2048L * (index + 1), 2048L * (index + 2) - 1,
            default(GptAttributes).WithPriority(priority).WithSuccessful(index % 2 == 0))).ToList();
        var byCgpt = temp.File("cgpt.img");
        var byKeelson = temp.File("keelson.img");
        (await GptDisk.CreateImageAsync(byCgpt, 64 * TestDisks.MiB, 512, Guid.NewGuid(), specs)).Dispose();
        File.Copy(byCgpt, byKeelson);

        await ExternalTool.SucceedAsync("cgpt", "prioritize", "-i", chosen.ToString(CultureInfo.InvariantCulture), byCgpt);
        using (var disk = await GptDisk.OpenAsync(byKeelson, writable: true))
        {
            await disk.PrioritizeAsync(chosen, GptPartitionTypes.ChromeOsKernel, default);
        }

        var cgptShow = (await ExternalTool.SucceedAsync("cgpt", "show", "-v", byCgpt)).StandardOutput;
        var keelsonShow = (await ExternalTool.SucceedAsync("cgpt", "show", "-v", byKeelson)).StandardOutput;
        Assert.Equal(cgptShow.Replace(byCgpt, "DISK", StringComparison.Ordinal), keelsonShow.Replace(byKeelson, "DISK", StringComparison.Ordinal));
        Assert.Equal(await GptBytesAsync(byCgpt), await GptBytesAsync(byKeelson));
        for (var number = 1; number <= values.Count; number++)
        {
            Assert.Equal(await ExternalTool.CgptShowAsync(byCgpt, number, 'P'), await ExternalTool.CgptShowAsync(byKeelson, number, 'P'));
        }
    }

    [Fact]
    public async Task A_disk_made_by_sgdisk_works_with_every_Keelson_operation()
    {
        using var temp = new TempDirectory();
        var path = await TestDisks.CreateWithSgdiskAsync(temp);

        using (var disk = await GptDisk.OpenAsync(path, writable: true))
        {
            Assert.False(disk.Health.NeedsRepair);
            Assert.Equal([1, 2, 3, 4, 6, 7, 9], disk.Partitions.Select(p => p.Number));
            Assert.Equal(UsrSlotName.A, disk.SelectBoot().Slot?.Name);
            Assert.Equal(24 * TestDisks.MiB, disk.GetSlot(UsrSlotName.B).ByteLength);

            await disk.MarkInstalledAsync(UsrSlotName.B);
            Assert.Equal(UsrSlotName.B, (await disk.BootAsync()).Slot?.Name);
            await disk.MarkGoodAsync(UsrSlotName.B);
            await disk.PrioritizeAsync(UsrSlotName.A);
            Assert.Equal(UsrSlotName.A, (await disk.BootAsync()).Slot?.Name);
        }

        await ExternalTool.AssertSgdiskFindsNoProblemsAsync(path);
        Assert.Equal((2, 0, 1), await CgptAsync(path, 3));
        Assert.Equal((1, 0, 1), await CgptAsync(path, 4));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task A_block_device_reports_its_own_size_and_sector_size(int sectorSize)
    {
        using var temp = new TempDirectory();
        var image = await TestDisks.CreateFlatcarAsync(temp, sectorSize: sectorSize);
        var attach = await ExternalTool.SucceedAsync("losetup", "--find", "--show", "--sector-size", sectorSize.ToString(CultureInfo.InvariantCulture), image);
        var device = attach.StandardOutput.Trim();
        try
        {
            using (var disk = await GptDisk.OpenAsync(device, writable: true))
            {
                Assert.True(disk.IsBlockDevice);
                Assert.Equal(sectorSize, disk.SectorSize);
                Assert.Equal(64 * TestDisks.MiB, disk.Size);
                Assert.False(disk.Health.NeedsRepair);
                await disk.MarkInstalledAsync(UsrSlotName.B);
                Assert.Equal(UsrSlotName.B, (await disk.BootAsync()).Slot?.Name);
            }

            // sgdisk asks the device for its sector size, so this checks the 4096-byte layout too.
            await ExternalTool.AssertSgdiskFindsNoProblemsAsync(device);
            var wrongSize = await Record.ExceptionAsync(() => GptDisk.OpenAsync(device, sectorSize: sectorSize == 512 ? 4096 : 512));
            Assert.Contains("block device", Assert.IsType<DiskException>(wrongSize).Message, StringComparison.Ordinal);
        }
        finally
        {
            await ExternalTool.RunAsync("losetup", "--detach", device);
        }

        using var written = await GptDisk.OpenAsync(image);
        var b = written.GetSlot(UsrSlotName.B);
        Assert.Equal((2, 0), (b.Priority, b.Tries));
    }

    private static async Task<(int Priority, int Tries, int Successful)> CgptAsync(string path, int partition) =>
        (await ExternalTool.CgptShowAsync(path, partition, 'P'), await ExternalTool.CgptShowAsync(path, partition, 'T'), await ExternalTool.CgptShowAsync(path, partition, 'S'));

    /// <summary>Both headers and both entry arrays of a 512-byte-sector disk.</summary>
    private static async Task<byte[]> GptBytesAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        return [.. bytes.AsSpan(512, 33 * 512), .. bytes.AsSpan(bytes.Length - 33 * 512)];
    }
}
