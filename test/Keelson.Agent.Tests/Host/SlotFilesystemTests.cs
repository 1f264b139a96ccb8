using Keelson.Agent.Host;

namespace Keelson.Agent.Tests.Host;

public sealed class SlotFilesystemTests : IDisposable
{
    private const long Offset = 2 << 20;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-slotfs-");

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A disk image with an ext4 usr filesystem 2 MiB in, made by mkfs.ext4 -d from the given files.</summary>
    private async Task<string> DiskWithUsrAsync(params (string Path, string Text)[] files)
    {
        var tree = Path.Combine(_directory.FullName, "usr");
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(tree, path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, text);
        }

        var usr = Path.Combine(_directory.FullName, "usr.img");
        var mkfs = await ExternalCommand.RunAsync("mkfs.ext4", ["-q", "-b", "4096", "-d", tree, usr, "8M"], TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.True(mkfs.Succeeded, mkfs.StandardError);
        var disk = Path.Combine(_directory.FullName, "disk.img");
        await using (var output = File.Create(disk))
        {
            output.SetLength(Offset + (16 << 20));
            output.Position = Offset;
            await using var input = File.OpenRead(usr);
            await input.CopyToAsync(output);
        }

        return disk;
    }

    [Fact]
    public async Task The_release_is_read_from_the_slots_own_filesystem_without_mounting()
    {
        var disk = await DiskWithUsrAsync(("share/coreos/release", "COREOS_RELEASE_VERSION=1.1.0\nCOREOS_RELEASE_BOARD=amd64-usr\n"));

        var release = await SlotFilesystem.ReadReleaseAsync(disk, Offset, CancellationToken.None);

        Assert.Equal(new ReleaseInfo("1.1.0", "amd64-usr"), release);
    }

    [Fact]
    public async Task A_missing_file_is_null_and_a_present_one_exists()
    {
        var disk = await DiskWithUsrAsync(("share/coreos/release", "COREOS_RELEASE_VERSION=1.0.0\n"), ("share/keelson/fail-health", ""));

        Assert.Null(await SlotFilesystem.ReadFileAsync(disk, Offset, "/share/nothing", CancellationToken.None));
        Assert.True(await SlotFilesystem.ExistsAsync(disk, Offset, "/share/keelson/fail-health", CancellationToken.None));
        Assert.False(await SlotFilesystem.ExistsAsync(disk, Offset, "/share/keelson/other", CancellationToken.None));
    }

    [Fact]
    public async Task A_slot_without_a_filesystem_is_a_clear_error()
    {
        var disk = await DiskWithUsrAsync(("share/coreos/release", "COREOS_RELEASE_VERSION=1.0.0\n"));

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() => SlotFilesystem.ReadReleaseAsync(disk, 0, CancellationToken.None));

        Assert.Contains("cannot read the filesystem", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("COREOS_RELEASE_BOARD=amd64-usr\n")]
    [InlineData("")]
    public void A_release_file_without_a_version_is_refused(string text) =>
        Assert.Throws<UpdateEngineException>(() => ReleaseInfo.Parse(text, "test"));

    [Fact]
    public async Task A_dumped_file_is_byte_for_byte_the_binary_file_in_the_slot_and_a_missing_one_is_false()
    {
        var image = await TestUsrImages.CreateAsync(_directory.FullName, "1.1.0", withKernel: true);
        var kernel = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory.FullName, "state dir")).FullName, "vmlinuz");
        var absent = Path.Combine(_directory.FullName, "absent");

        var found = await SlotFilesystem.DumpFileAsync(image, 0, "boot/vmlinuz", kernel, CancellationToken.None);
        var missing = await SlotFilesystem.DumpFileAsync(image, 0, "boot/nothing", absent, CancellationToken.None);

        Assert.True(found);
        Assert.Equal(TestUsrImages.Kernel("1.1.0"), await File.ReadAllBytesAsync(kernel));
        Assert.False(missing);
        Assert.False(File.Exists(absent));
    }

    [Fact]
    public async Task Dumping_from_something_that_is_not_ext4_fails_with_the_slot_code()
    {
        var junk = Path.Combine(_directory.FullName, "junk.img");
        await File.WriteAllBytesAsync(junk, new byte[1 << 20]);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            SlotFilesystem.DumpFileAsync(junk, 0, "boot/vmlinuz", Path.Combine(_directory.FullName, "k"), CancellationToken.None));

        Assert.Equal(Keelson.Omaha.OmahaErrorCodes.SlotUnreadable, error.ErrorCode);
        Assert.StartsWith($"cannot read the filesystem in {junk}", error.Message, StringComparison.Ordinal);
    }
}
