using Keelson.Disks;

namespace Keelson.Fuzz.Tests;

public sealed class HarnessTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("keelson-fuzz-test-");

    [Theory]
    [InlineData("omaha-request", "<request protocol=\"3.0\"><app")]
    [InlineData("omaha-response", "<response><app appid=")]
    [InlineData("payload", "KPAY")]
    [InlineData("gpt", "EFI PART")]
    public void A_malformed_input_is_a_refusal_not_a_finding(string target, string text)
    {
        using var output = new StringWriter();

        var clean = Replay.Run(FuzzTargets.Find(target)!, [WriteTemp(text)], output);

        Assert.True(clean, output.ToString());
    }

    [Fact]
    public void Replay_reports_an_exception_other_than_the_refusal_as_a_finding()
    {
        using var output = new StringWriter();

        var clean = Replay.Run(new ThrowingTarget(), [WriteTemp("x")], output);

        Assert.False(clean);
        Assert.Contains("System.IndexOutOfRangeException: index 7", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 inputs, 1 findings", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gpt_target_repairs_the_checksums_of_a_mutated_table_so_the_reader_gets_past_them()
    {
        await SeedWriter.WriteAsync(_folder.FullName, CancellationToken.None);
        var image = await File.ReadAllBytesAsync(Path.Combine(_folder.FullName, "gpt", "seed-two-usr-slots.img"));
        // Partition 1's name (entry array at LBA 2, name at byte 56 of the entry): 'U' becomes 'X'.
        image[(2 * 512) + 56] = (byte)'X';
        var path = WriteTemp(image);
        using (var unfixed = await GptDisk.OpenAsync(path, sectorSize: 512))
        {
            Assert.Contains("entry array hashes to", unfixed.Health.PrimaryProblem, StringComparison.Ordinal);
            Assert.Equal("USR-A", unfixed.FindPartition(1)!.Label);
        }

        GptTarget.FixChecksums(image);
        await File.WriteAllBytesAsync(path, image);

        using var disk = await GptDisk.OpenAsync(path, sectorSize: 512);
        Assert.Null(disk.Health.PrimaryProblem);
        Assert.Equal("XSR-A", disk.FindPartition(1)!.Label);
    }

    [Fact]
    public async Task The_four_entry_gpt_seed_is_a_healthy_table_with_both_usr_slots()
    {
        await SeedWriter.WriteAsync(_folder.FullName, CancellationToken.None);

        using var disk = await GptDisk.OpenAsync(Path.Combine(_folder.FullName, "gpt", "seed-four-entries.img"), sectorSize: 512);

        Assert.Equal(GptHealth.Healthy, disk.Health);
        Assert.Equal((3, 3), (disk.GetSlot(UsrSlotName.A).Partition.FirstLba, disk.GetSlot(UsrSlotName.A).Partition.LastLba));
        Assert.Equal(4, disk.GetSlot(UsrSlotName.B).Partition.FirstLba);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private string WriteTemp(string text) => WriteTemp(System.Text.Encoding.UTF8.GetBytes(text));

    private string WriteTemp(byte[] bytes)
    {
        var path = Path.Combine(_folder.FullName, $"input-{_folder.GetFiles().Length}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private sealed class ThrowingTarget : IFuzzTarget
    {
        public string Name => "throwing";

        public string Description => "throws IndexOutOfRangeException";

        public void Run(ReadOnlySpan<byte> input) => throw new IndexOutOfRangeException("index 7");
    }
}
