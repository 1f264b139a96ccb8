using Keelson.Agent.Host;
using Keelson.Agent.Install;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Omaha;
using Keelson.Payloads;

namespace Keelson.Agent.Tests.Install;

public sealed class SlotInstallerTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-install-");
    private readonly PayloadSigningKey _key = PayloadSigningKey.Generate();

    public void Dispose()
    {
        _key.Dispose();
        _directory.Delete(recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private Task<string> UsrImageAsync(string version) => TestUsrImages.CreateAsync(_directory.FullName, version);

    private async Task<string> PayloadAsync(string version, PayloadSigningKey key)
    {
        var path = PathOf($"{version}.kpay");
        await PayloadCreator.CreateAsync(new PayloadCreateOptions { ImagePath = await UsrImageAsync(version), Version = version, Key = key }, path);
        return path;
    }

    private async Task<string> DiskAsync()
    {
        var disk = PathOf("disk.img");
        using (await FlatcarLayout.CreateImageAsync(disk, 64 << 20))
        {
        }

        return disk;
    }

    /// <summary>A disk whose passive slot B held a good release: a refusal must not leave it bootable half overwritten.</summary>
    private async Task<string> GoodPassiveSlotDiskAsync()
    {
        var disk = await DiskAsync();
        using var gpt = await GptDisk.OpenAsync(disk, writable: true);
        await gpt.SetSlotAttributesAsync(UsrSlotName.B, priority: 1, tries: 0, successful: true);
        return disk;
    }

    private static async Task AssertPassiveUnbootableAsync(string disk)
    {
        using var after = await GptDisk.OpenAsync(disk);
        var b = after.GetSlot(UsrSlotName.B);
        Assert.Equal((0, 0, false), (b.Priority, b.Tries, b.Successful));
        Assert.Equal(UsrSlotName.A, after.SelectBoot().Slot!.Name);
    }

    private static Task<SlotKernel> NoKernel(UsrSlot slot, string version, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("gptprio asks for no kernel");

    private PayloadApplyOptions Options(string running = "1.0.0") => new() { TrustedKeys = [_key.PublicKey], RunningVersion = running };

    [Fact]
    public async Task The_payload_lands_in_the_passive_slot_which_then_boots_next_once()
    {
        var disk = await DiskAsync();
        var payload = await PayloadAsync("1.1.0", _key);

        var result = await SlotInstaller.InstallAsync(disk, UsrSlotName.A, payload, null, Options(), new GptprioBackend(disk), NoKernel, null, CancellationToken.None);

        Assert.Equal("1.1.0", result.Version);
        using var gpt = await GptDisk.OpenAsync(disk);
        var b = gpt.GetSlot(UsrSlotName.B);
        Assert.Equal((false, 1), (b.Successful, b.Tries));
        Assert.True(b.Priority > gpt.GetSlot(UsrSlotName.A).Priority);
        Assert.Equal(UsrSlotName.B, gpt.SelectBoot().Slot!.Name);
        Assert.Equal(new ReleaseInfo("1.1.0", "amd64-usr"), await SlotFilesystem.ReadReleaseAsync(disk, b.ByteOffset, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_payload_leaves_the_passive_slot_unbootable_and_the_active_one_booting()
    {
        var disk = await DiskAsync();
        // B held a good release before: the refusal must not leave it bootable half overwritten.
        using (var gpt = await GptDisk.OpenAsync(disk, writable: true))
        {
            await gpt.SetSlotAttributesAsync(UsrSlotName.B, priority: 1, tries: 0, successful: true);
        }

        using var stranger = PayloadSigningKey.Generate();
        var payload = await PayloadAsync("1.1.0", stranger);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            SlotInstaller.InstallAsync(disk, UsrSlotName.A, payload, null, Options(), new GptprioBackend(disk), NoKernel, null, CancellationToken.None));

        Assert.Equal(18, error.ErrorCode);
        Assert.Contains("the payload was refused", error.Message, StringComparison.Ordinal);
        using var after = await GptDisk.OpenAsync(disk);
        var b = after.GetSlot(UsrSlotName.B);
        Assert.Equal((0, 0, false), (b.Priority, b.Tries, b.Successful));
        Assert.Equal(UsrSlotName.A, after.SelectBoot().Slot!.Name);
    }

    [Fact]
    public async Task A_payload_with_a_corrupt_frame_in_the_middle_leaves_the_passive_slot_unbootable()
    {
        var disk = await GoodPassiveSlotDiskAsync();
        var payload = await PayloadAsync("1.1.0", _key);
        var bytes = await File.ReadAllBytesAsync(payload);
        var dataLength = (await PayloadReader.ReadUnverifiedManifestAsync(new MemoryStream(bytes))).DataLength;
        bytes[bytes.Length - (dataLength / 2)] ^= 0x10;
        await File.WriteAllBytesAsync(payload, bytes);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            SlotInstaller.InstallAsync(disk, UsrSlotName.A, payload, null, Options(), new GptprioBackend(disk), NoKernel, null, CancellationToken.None));

        Assert.Equal(OmahaErrorCodes.DownloadOperationHashMismatch, error.ErrorCode);
        Assert.Matches("^the payload was refused: operation [0-9]+ \\(image bytes [0-9]+\\.\\.[0-9]+\\): its zstd frame has SHA-256 ", error.Message);
        await AssertPassiveUnbootableAsync(disk);
    }

    [Fact]
    public async Task A_truncated_payload_leaves_the_passive_slot_unbootable_and_can_be_retried()
    {
        var disk = await GoodPassiveSlotDiskAsync();
        var payload = await PayloadAsync("1.1.0", _key);
        var bytes = await File.ReadAllBytesAsync(payload);
        await File.WriteAllBytesAsync(payload, bytes[..(bytes.Length * 2 / 3)]);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            SlotInstaller.InstallAsync(disk, UsrSlotName.A, payload, null, Options(), new GptprioBackend(disk), NoKernel, null, CancellationToken.None));

        Assert.Equal(OmahaErrorCodes.DownloadTransferError, error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.Contains("the payload is truncated", error.Message, StringComparison.Ordinal);
        await AssertPassiveUnbootableAsync(disk);
    }

    [Fact]
    public async Task An_older_release_is_refused_as_a_downgrade()
    {
        var disk = await DiskAsync();
        var payload = await PayloadAsync("1.1.0", _key);

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            SlotInstaller.InstallAsync(disk, UsrSlotName.A, payload, null, Options(running: "2.0.0"), new GptprioBackend(disk), NoKernel, null, CancellationToken.None));

        Assert.Contains("the payload was refused", error.Message, StringComparison.Ordinal);
        using var after = await GptDisk.OpenAsync(disk);
        Assert.Equal(UsrSlotName.A, after.SelectBoot().Slot!.Name);
    }
}
