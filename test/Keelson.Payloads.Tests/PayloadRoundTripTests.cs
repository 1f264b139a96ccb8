using Xunit.Abstractions;

namespace Keelson.Payloads.Tests;

/// <summary>Payloads made by <see cref="PayloadCreator"/> and installed by <see cref="PayloadInstaller"/> give back the image, byte for byte.</summary>
public sealed class PayloadRoundTripTests(ITestOutputHelper log) : IDisposable
{
    private readonly Payloads _payloads = new();

    [Theory]
    [InlineData(4096, false, PayloadReadBack.ImageHash)]
    [InlineData(64 * 1024, false, PayloadReadBack.ImageHash)]
    [InlineData(1 << 20, false, PayloadReadBack.ImageHash)]
    [InlineData(64 * 1024, true, PayloadReadBack.ImageHash)]
    [InlineData(4096, false, PayloadReadBack.OperationHashes)]
    [InlineData(64 * 1024, true, PayloadReadBack.OperationHashes)]
    public async Task A_full_payload_writes_the_image_into_the_slot_and_leaves_the_rest_of_the_slot_alone(int chunkSize, bool checkChunkOutputs, PayloadReadBack readBack)
    {
        // Not a whole number of blocks: the last operation is short.
        var image = TestImages.Mixed((3 << 20) + 1234, seed: 1);
        var payload = await _payloads.CreateAsync(image, chunkSize: chunkSize);
        var slotBytes = Enumerable.Repeat((byte)0xAA, 4 << 20).ToArray();
        var slot = _payloads.File(slotBytes);

        var result = await Payloads.ApplyAsync(payload, slot, _payloads.Options() with { CheckChunkOutputs = checkChunkOutputs, ReadBack = readBack });

        var written = await File.ReadAllBytesAsync(slot);
        Assert.Equal(image, written[..image.Length]);
        Assert.All(written[image.Length..], b => Assert.Equal(0xAA, b));
        Assert.Equal(image.Length, result.BytesFromPayload + result.BytesZeroed);
        Assert.Equal(Sha256Hash.Compute(image), result.Manifest.ImageSha256);
        Assert.True(payload.Length < image.Length / 2, $"the payload is {payload.Length} bytes for a {image.Length}-byte image");
    }

    [Fact]
    public async Task A_full_payload_of_a_real_ext4_image_round_trips()
    {
        var files = _payloads.PathOf("files");
        TestImages.FillDirectory(files, 3 << 20, seed: 2);
        var image = _payloads.PathOf("usr.ext4");
        Tools.MakeExt4(image, files, sizeMiB: 8);
        var payload = await _payloads.CreateFromFilesAsync(image, chunkSize: 1 << 20);
        var slot = _payloads.File(new byte[8 << 20]);

        await Payloads.ApplyAsync(payload, slot, _payloads.Options());

        Assert.Equal(await File.ReadAllBytesAsync(image), await File.ReadAllBytesAsync(slot));
        Assert.Contains("COREOS_RELEASE_VERSION=2605.10.0", Tools.Run("debugfs", "-R", "cat /share/coreos/release", slot), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delta_for_one_changed_file_in_an_ext4_image_is_a_small_fraction_of_the_full_payload_and_round_trips()
    {
        var files = _payloads.PathOf("files");
        TestImages.FillDirectory(files, 6 << 20, seed: 3);
        var oldImage = _payloads.PathOf("old.ext4");
        Tools.MakeExt4(oldImage, files, sizeMiB: 16);
        var newImage = _payloads.PathOf("new.ext4");
        File.Copy(oldImage, newImage);
        var changed = _payloads.File(TestImages.Mixed(48 * 1024, seed: 12345), "changed.bin");
        Tools.ReplaceInExt4(newImage, "/lib/file007.bin", changed);
        Assert.Equal(await File.ReadAllBytesAsync(changed), await ExtractAsync(newImage, "/lib/file007.bin"));

        var full = await _payloads.CreateFromFilesAsync(newImage, "2605.11.0", chunkSize: 1 << 20);
        var delta = await _payloads.CreateFromFilesAsync(newImage, "2605.11.0", source: oldImage, chunkSize: 1 << 20);
        var target = _payloads.File(new byte[16 << 20]);
        var result = await Payloads.ApplyAsync(delta, target, _payloads.Options(source: oldImage));

        Assert.Equal(await File.ReadAllBytesAsync(newImage), await File.ReadAllBytesAsync(target));
        var ratio = (double)delta.Length / full.Length;
        log.WriteLine($"full payload {full.Length} bytes, delta {delta.Length} bytes: {ratio:P1}; copied {result.BytesCopied} bytes from the source");
        Assert.True(ratio < 0.1, $"the delta is {ratio:P1} of the full payload");
        // About a third of the changed file is random bytes, which do not compress.
        Assert.True(delta.Length > 12 * 1024, $"the delta is {delta.Length} bytes: too small to hold the changed file");
        Assert.True(result.BytesCopied > 4 << 20, $"only {result.BytesCopied} bytes were copied from the source");
        Assert.Equal(Sha256Hash.Compute(await File.ReadAllBytesAsync(oldImage)), result.Manifest.Source!.Sha256);
    }

    [Fact]
    public async Task A_delta_copies_blocks_found_anywhere_in_the_old_image()
    {
        var old = TestImages.Mixed(1 << 20, seed: 4);
        // The new image has the old one's blocks in another order.
        var blocks = Enumerable.Range(0, old.Length / PayloadFormat.BlockSize).Reverse();
        var image = blocks.SelectMany(b => old.AsSpan(b * PayloadFormat.BlockSize, PayloadFormat.BlockSize).ToArray()).ToArray();

        var delta = await _payloads.CreateAsync(image, source: old);
        var manifest = await PayloadReader.ReadUnverifiedManifestAsync(new MemoryStream(delta));
        var target = _payloads.File(new byte[1 << 20]);
        var checkedTarget = _payloads.File(new byte[1 << 20]);
        await Payloads.ApplyAsync(delta, target, _payloads.Options(source: _payloads.File(old)));
        await Payloads.ApplyAsync(delta, checkedTarget, _payloads.Options(source: _payloads.File(old)) with { CheckChunkOutputs = true, ReadBack = PayloadReadBack.OperationHashes });

        Assert.Equal(image, await File.ReadAllBytesAsync(target));
        Assert.Equal(image, await File.ReadAllBytesAsync(checkedTarget));
        Assert.Equal(0, manifest.CountOf(PayloadOperationKind.Data));
        Assert.True(delta.Length < 64 * 1024, $"the delta is {delta.Length} bytes");
    }

    [Fact]
    public async Task Slots_can_be_byte_ranges_of_one_disk_image_like_two_partitions()
    {
        var old = TestImages.Mixed(1 << 20, seed: 5);
        var image = old.ToArray();
        TestImages.Mixed(8192, seed: 6).CopyTo(image, 300 * 1024);
        var delta = await _payloads.CreateAsync(image, source: old);
        // A "disk": 64 KiB of header, partition A (the old image), partition B, 64 KiB at the end.
        var disk = new byte[(64 * 1024) + (2 << 20) + (64 * 1024)];
        Array.Fill(disk, (byte)0x5A);
        old.CopyTo(disk, 64 * 1024);
        var diskPath = _payloads.File(disk);
        var partitionA = new SlotTarget(diskPath, 64 * 1024, 1 << 20);
        var partitionB = new SlotTarget(diskPath, (64 * 1024) + (1 << 20), 1 << 20);

        await PayloadInstaller.ApplyAsync(new MemoryStream(delta), partitionB, _payloads.Options() with { Source = partitionA });

        var after = await File.ReadAllBytesAsync(diskPath);
        Assert.Equal(image, after.AsSpan((int)partitionB.Offset, image.Length).ToArray());
        Assert.Equal(disk.AsSpan(0, (int)partitionB.Offset).ToArray(), after.AsSpan(0, (int)partitionB.Offset).ToArray());
        Assert.Equal(disk.AsSpan((int)partitionB.Offset + (1 << 20)).ToArray(), after.AsSpan((int)partitionB.Offset + (1 << 20)).ToArray());
    }

    [Theory]
    [InlineData(PayloadReadBack.ImageHash)]
    [InlineData(PayloadReadBack.OperationHashes)]
    public async Task A_slot_that_does_not_read_back_the_image_fails_the_apply(PayloadReadBack readBack)
    {
        var image = TestImages.Mixed(8 << 20, seed: 10);
        var payload = await _payloads.CreateAsync(image);
        var slot = _payloads.File(new byte[8 << 20]);
        // Something else writes into the slot's first block as soon as the first operation is written (progress is
        // reported before the range is read back): what was written is not what reads back.
        var reports = new List<PayloadProgress>();
        var intruder = new SynchronousProgress(reports, _ =>
        {
            if (reports.Count == 1)
            {
                using var handle = File.OpenHandle(slot, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                RandomAccess.Write(handle, Enumerable.Repeat((byte)0x42, 4096).ToArray(), 0);
            }
        });

        var refusal = await Assert.ThrowsAsync<PayloadException>(() =>
            PayloadInstaller.ApplyAsync(new MemoryStream(payload), new SlotTarget(slot), _payloads.Options() with { ReadBack = readBack }, intruder));

        Assert.Equal(PayloadErrorKind.Corrupt, refusal.Kind);
        Assert.EndsWith("the slot does not hold the signed image", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(readBack == PayloadReadBack.ImageHash ? $"the image's is {Sha256Hash.Compute(image)}" : "operation 0 (image bytes 0..", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thousands_of_frames_pass_through_a_fixed_number_of_buffers_without_allocating_per_frame()
    {
        var image = TestImages.Mixed(16 << 20, seed: 14);
        var payload = await _payloads.CreateAsync(image, chunkSize: 4096);
        var slot = _payloads.File(new byte[16 << 20]);

        var (result, pipeline) = await PayloadInstaller.ApplyWithReportAsync(new MemoryStream(payload), new SlotTarget(slot), _payloads.Options(), null, CancellationToken.None);

        log.WriteLine($"{pipeline.Items} operations, at most {pipeline.PeakInFlight} in flight, {pipeline.AllocatedBytes} bytes allocated by the pipeline's threads");
        Assert.Equal(result.Manifest.Operations.Count, pipeline.Items);
        Assert.True(pipeline.Items > 50 * PipelineShape.Tokens, $"{pipeline.Items} operations is not far above the {PipelineShape.Tokens} in flight");
        Assert.InRange(pipeline.PeakInFlight, 1, PipelineShape.Tokens);
        // 24 bytes (the smallest object) per operation would be more than this.
        Assert.True(pipeline.AllocatedBytes < 24 * pipeline.Items / 2, $"the apply's threads allocated {pipeline.AllocatedBytes} bytes for {pipeline.Items} operations");
        Assert.Equal(image, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_payload_whose_data_section_is_copied_in_several_steps_verifies_and_round_trips()
    {
        var image = TestImages.Mixed(40 << 20, seed: 15);
        var payload = await _payloads.CreateAsync(image, chunkSize: 1 << 20);
        var slot = _payloads.File(new byte[40 << 20]);

        var manifest = await PayloadReader.VerifyAsync(new MemoryStream(payload), _payloads.Trusted);
        await Payloads.ApplyAsync(payload, slot, _payloads.Options());

        Assert.True(manifest.DataLength > 8 << 20, $"the data section is {manifest.DataLength} bytes, less than one 8 MiB copy step");
        Assert.Equal(image, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task Applying_reads_the_payload_as_a_stream_that_cannot_seek()
    {
        var image = TestImages.Mixed(1 << 20, seed: 7);
        var payload = await _payloads.CreateAsync(image);
        var slot = _payloads.File(new byte[1 << 20]);

        await PayloadInstaller.ApplyAsync(new ForwardOnlyStream(payload), new SlotTarget(slot), _payloads.Options());

        Assert.Equal(image, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task Progress_counts_up_to_the_image_size()
    {
        var image = TestImages.Mixed(1 << 20, seed: 8);
        var payload = await _payloads.CreateAsync(image);
        var slot = _payloads.File(new byte[1 << 20]);
        var reports = new List<PayloadProgress>();

        await PayloadInstaller.ApplyAsync(new MemoryStream(payload), new SlotTarget(slot), _payloads.Options(), new SynchronousProgress(reports));

        Assert.Equal(new PayloadProgress(image.Length, image.Length), reports[^1]);
        Assert.Equal(reports.OrderBy(r => r.BytesDone), reports);
    }

    [Fact]
    public async Task A_cancelled_apply_stops_with_OperationCanceledException()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(2 << 20, seed: 9), chunkSize: 4096);
        var slot = _payloads.File(new byte[2 << 20]);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress([], _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            PayloadInstaller.ApplyAsync(new MemoryStream(payload), new SlotTarget(slot), _payloads.Options(), progress, cancel.Token));
    }

    public void Dispose() => _payloads.Dispose();

    private async Task<byte[]> ExtractAsync(string image, string path)
    {
        var local = _payloads.PathOf("extracted");
        File.Delete(local);
        Tools.Run("debugfs", "-R", $"dump {path} {local}", image);
        return await File.ReadAllBytesAsync(local);
    }
}
