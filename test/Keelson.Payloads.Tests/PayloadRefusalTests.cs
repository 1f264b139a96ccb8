using System.Buffers.Binary;

namespace Keelson.Payloads.Tests;

/// <summary>
/// Every way a payload can be wrong is refused with a <see cref="PayloadException"/> naming the reason, and a
/// refusal that comes before the data (signature, key, board, version, source, size) leaves the target as it was.
/// </summary>
public sealed class PayloadRefusalTests : IDisposable
{
    private readonly Payloads _payloads = new();

    [Fact]
    public async Task A_flipped_byte_anywhere_is_refused_and_before_the_data_the_target_is_untouched()
    {
        var image = TestImages.Mixed((512 * 1024) + 100, seed: 11);
        var payload = await _payloads.CreateAsync(image, chunkSize: 64 * 1024);
        var header = PayloadHeader.Read(payload);
        var manifestEnd = PayloadFormat.HeaderSize + header.ManifestLength;
        var (slot, before) = Slot(image.Length);
        // Every byte of the header, manifest and signature; and a sample of the data, its first and last bytes included.
        var positions = Enumerable.Range(0, (int)header.DataStart)
            .Concat(Enumerable.Range(0, 150).Select(i => (int)(header.DataStart + (i * (payload.Length - 1 - header.DataStart) / 149))));

        foreach (var position in positions)
        {
            var flipped = payload.ToArray();
            flipped[position] ^= 0x01;

            var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(flipped, slot, _payloads.Options()));

            if (position < PayloadFormat.HeaderSize)
            {
                Assert.True(refusal.Kind is PayloadErrorKind.Corrupt or PayloadErrorKind.Unsupported or PayloadErrorKind.Truncated
                    or PayloadErrorKind.UnknownKey or PayloadErrorKind.BadSignature, $"byte {position} of the header: {refusal.Kind}: {refusal.Message}");
            }
            else if (position < header.DataStart)
            {
                Assert.True(refusal.Kind == PayloadErrorKind.BadSignature, $"byte {position} (manifest ends at {manifestEnd}): {refusal.Kind}: {refusal.Message}");
            }
            else
            {
                Assert.True(refusal.Kind == PayloadErrorKind.Corrupt, $"byte {position} of the data: {refusal.Kind}: {refusal.Message}");
            }

            if (position < header.DataStart)
            {
                var after = await File.ReadAllBytesAsync(slot);
                Assert.True(before.SequenceEqual(after), $"the target changed after flipping byte {position}");
            }
        }
    }

    [Fact]
    public async Task A_truncated_payload_is_refused_as_truncated_at_any_length()
    {
        var image = TestImages.Mixed(256 * 1024, seed: 12);
        var payload = await _payloads.CreateAsync(image, chunkSize: 16 * 1024);
        var dataStart = (int)PayloadHeader.Read(payload).DataStart;
        var (slot, before) = Slot(image.Length);
        var lengths = Enumerable.Range(0, dataStart).Where(l => l < 64 || l % 7 == 0 || l == dataStart - 1)
            .Concat(Enumerable.Range(0, 60).Select(i => dataStart + (i * (payload.Length - 1 - dataStart) / 59)));

        foreach (var length in lengths)
        {
            var cut = payload[..length];
            var fromFile = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(cut, slot, _payloads.Options()));
            var fromDownload = await Assert.ThrowsAsync<PayloadException>(() =>
                PayloadInstaller.ApplyAsync(new ForwardOnlyStream(cut), new SlotTarget(slot), _payloads.Options()));

            Assert.True(fromFile.Kind == PayloadErrorKind.Truncated, $"{length} of {payload.Length} bytes: {fromFile.Kind}: {fromFile.Message}");
            Assert.True(fromDownload.Kind == PayloadErrorKind.Truncated, $"{length} of {payload.Length} bytes, streamed: {fromDownload.Kind}: {fromDownload.Message}");
            Assert.True(fromFile.IsTransient);
            if (length < dataStart)
            {
                var after = await File.ReadAllBytesAsync(slot);
                Assert.True(before.SequenceEqual(after), $"the target changed with {length} bytes");
            }
        }
    }

    [Fact]
    public async Task A_corrupt_frame_in_the_middle_is_refused_naming_its_operation_and_where_it_lies()
    {
        var image = TestImages.Mixed(1 << 20, seed: 26);
        var payload = await _payloads.CreateAsync(image, chunkSize: 16 * 1024);
        var header = PayloadHeader.Read(payload);
        var manifest = await PayloadReader.ReadUnverifiedManifestAsync(new MemoryStream(payload));
        var frames = manifest.Operations.Select((operation, index) => (Operation: operation, Index: index)).Where(o => o.Operation.Kind == PayloadOperationKind.Data).ToList();
        var (middle, index) = frames[frames.Count / 2];
        var start = header.DataStart + middle.DataOffset;
        var corrupt = payload.ToArray();
        corrupt[start + (middle.DataLength / 2)] ^= 0x40;
        var (slot, _) = Slot(image.Length);

        foreach (var stream in new Stream[] { new MemoryStream(corrupt), new ForwardOnlyStream(corrupt) })
        {
            var refusal = await Assert.ThrowsAsync<PayloadException>(() => PayloadInstaller.ApplyAsync(stream, new SlotTarget(slot), _payloads.Options()));

            Assert.Equal(PayloadErrorKind.Corrupt, refusal.Kind);
            Assert.StartsWith($"operation {index} (image bytes {middle.TargetOffset}..{middle.TargetEnd}): its zstd frame has SHA-256 ", refusal.Message, StringComparison.Ordinal);
            Assert.EndsWith($"the payload's data is corrupt (payload bytes {start}..{start + middle.DataLength})", refusal.Message, StringComparison.Ordinal);
        }

        // Every frame before it was intact and written; nothing after it was.
        var written = await File.ReadAllBytesAsync(slot);
        Assert.Equal(image[..(int)frames[(frames.Count / 2) - 4].Operation.TargetEnd], written[..(int)frames[(frames.Count / 2) - 4].Operation.TargetEnd]);
    }

    [Fact]
    public async Task A_download_cut_inside_a_frame_names_the_frame()
    {
        var image = TestImages.Mixed(1 << 20, seed: 27);
        var payload = await _payloads.CreateAsync(image, chunkSize: 16 * 1024);
        var header = PayloadHeader.Read(payload);
        var manifest = await PayloadReader.ReadUnverifiedManifestAsync(new MemoryStream(payload));
        var (operation, index) = manifest.Operations.Select((o, i) => (Operation: o, Index: i)).Where(o => o.Operation.Kind == PayloadOperationKind.Data).Skip(20).First();
        var (slot, _) = Slot(image.Length);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => PayloadInstaller.ApplyAsync(
            new ForwardOnlyStream(payload[..(int)(header.DataStart + operation.DataOffset + 10)]), new SlotTarget(slot), _payloads.Options()));

        Assert.Equal(PayloadErrorKind.Truncated, refusal.Kind);
        Assert.Equal($"the payload is truncated: it ends inside the zstd frame of operation {index} (image bytes {operation.TargetOffset}..{operation.TargetEnd})", refusal.Message);
    }

    [Fact]
    public async Task Bytes_after_the_end_are_refused()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 13));
        var (slot, _) = Slot(64 * 1024);
        byte[] longer = [.. payload, 0];

        var fromFile = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(longer, slot, _payloads.Options()));
        var fromDownload = await Assert.ThrowsAsync<PayloadException>(() =>
            PayloadInstaller.ApplyAsync(new ForwardOnlyStream(longer), new SlotTarget(slot), _payloads.Options()));

        Assert.Equal(PayloadErrorKind.Corrupt, fromFile.Kind);
        Assert.Equal(PayloadErrorKind.Corrupt, fromDownload.Kind);
        Assert.Contains("after its end", fromFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payload_signed_by_an_untrusted_key_is_refused_naming_the_key()
    {
        using var stranger = PayloadSigningKey.Generate();
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 14), key: stranger);
        var (slot, before) = Slot(64 * 1024);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(payload, slot, _payloads.Options()));

        Assert.Equal(PayloadErrorKind.UnknownKey, refusal.Kind);
        Assert.Contains(stranger.KeyId, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(_payloads.Key.KeyId, refusal.Message, StringComparison.Ordinal);
        Assert.False(refusal.IsTransient);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_second_trusted_key_is_accepted_so_keys_can_be_rotated()
    {
        using var next = PayloadSigningKey.Generate();
        var image = TestImages.Mixed(64 * 1024, seed: 15);
        var oldSigned = await _payloads.CreateAsync(image);
        var newSigned = await _payloads.CreateAsync(image, key: next);
        var (slot, _) = Slot(64 * 1024);
        var both = new PayloadApplyOptions { TrustedKeys = [_payloads.Key.PublicKey, next.PublicKey] };

        Assert.Equal(_payloads.Key.KeyId, (await Payloads.ApplyAsync(oldSigned, slot, both)).Manifest.KeyId);
        Assert.Equal(next.KeyId, (await Payloads.ApplyAsync(newSigned, slot, both)).Manifest.KeyId);
        Assert.Equal(image, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_payload_for_another_board_is_refused()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 16), board: "arm64-usr");
        var (slot, before) = Slot(64 * 1024);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(payload, slot, _payloads.Options()));

        Assert.Equal(PayloadErrorKind.BoardMismatch, refusal.Kind);
        Assert.Equal("the payload is for board arm64-usr, this machine is amd64-usr", refusal.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Theory]
    [InlineData("2605.9.0", "2605.10.0", false, true)]
    [InlineData("2605.9.0", "2605.10.0", true, false)]
    [InlineData("2605.10.0", "2605.10.0", false, false)]
    [InlineData("2605.10.0-rc.1", "2605.10.0", false, true)]
    [InlineData("2605.11.0", "2605.10.0", false, false)]
    public async Task A_lower_version_than_the_running_one_is_refused_unless_downgrades_are_allowed(string version, string running, bool allow, bool refused)
    {
        var image = TestImages.Mixed(64 * 1024, seed: 17);
        var payload = await _payloads.CreateAsync(image, version);
        var (slot, before) = Slot(64 * 1024);
        var options = _payloads.Options() with { RunningVersion = running, AllowDowngrade = allow };

        if (refused)
        {
            var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(payload, slot, options));
            Assert.Equal(PayloadErrorKind.Downgrade, refusal.Kind);
            Assert.Contains($"{version} is lower than the running version {running}", refusal.Message, StringComparison.Ordinal);
            Assert.Equal(before, await File.ReadAllBytesAsync(slot));
        }
        else
        {
            await Payloads.ApplyAsync(payload, slot, options);
            Assert.Equal(image, await File.ReadAllBytesAsync(slot));
        }
    }

    [Fact]
    public async Task A_delta_for_another_source_is_refused_before_anything_is_written_naming_both_images()
    {
        var old = TestImages.Mixed(512 * 1024, seed: 18);
        var image = old.ToArray();
        TestImages.Mixed(4096, seed: 19).CopyTo(image, 100 * 4096);
        var delta = await _payloads.CreateAsync(image, source: old);
        var other = TestImages.Mixed(512 * 1024, seed: 20);
        var (slot, before) = Slot(image.Length);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(delta, slot, _payloads.Options(source: _payloads.File(other))));

        Assert.Equal(PayloadErrorKind.WrongDeltaSource, refusal.Kind);
        Assert.Contains($"this delta is for the source image with SHA-256 {Sha256Hash.Compute(old)}", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"SHA-256 {Sha256Hash.Compute(other)}", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_delta_without_a_source_or_with_a_smaller_one_is_refused()
    {
        var old = TestImages.Mixed(256 * 1024, seed: 21);
        var delta = await _payloads.CreateAsync(old, source: old);
        var (slot, before) = Slot(old.Length);

        var withoutSource = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(delta, slot, _payloads.Options()));
        var smallSource = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(delta, slot, _payloads.Options(source: _payloads.File(old[..4096]))));

        Assert.Equal(PayloadErrorKind.SourceRequired, withoutSource.Kind);
        Assert.Equal(PayloadErrorKind.WrongDeltaSource, smallSource.Kind);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_delta_whose_source_is_the_target_itself_is_refused()
    {
        var old = TestImages.Mixed(64 * 1024, seed: 22);
        var delta = await _payloads.CreateAsync(old, source: old);
        var (slot, _) = Slot(old.Length);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(delta, slot, _payloads.Options(source: slot)));

        Assert.Equal(PayloadErrorKind.WrongDeltaSource, refusal.Kind);
        Assert.Contains("overlaps", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_larger_than_the_slot_is_refused()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(128 * 1024, seed: 23));
        var (slot, before) = Slot((128 * 1024) - 1);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(payload, slot, _payloads.Options()));
        var range = await Assert.ThrowsAsync<PayloadException>(() =>
            PayloadInstaller.ApplyAsync(new MemoryStream(payload), new SlotTarget(slot, 4096, 64 * 1024), _payloads.Options()));

        Assert.Equal(PayloadErrorKind.TooLarge, refusal.Kind);
        Assert.Equal(PayloadErrorKind.TooLarge, range.Kind);
        Assert.Contains($"holds only {(128 * 1024) - 1}", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task A_missing_slot_is_an_io_error_and_is_not_created()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 24));
        var missing = _payloads.PathOf("no-such-slot");

        var refusal = await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(payload, missing, _payloads.Options()));

        Assert.Equal(PayloadErrorKind.Io, refusal.Kind);
        Assert.False(File.Exists(missing));
    }

    public static TheoryData<string> Malformations => new()
    {
        "overlap", "gap", "beyond the image", "longer than a chunk", "copy in a full payload", "copy beyond the source",
        "unknown kind", "huge operation count", "data length differs", "trailing manifest bytes", "unaligned",
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public async Task A_signed_manifest_that_breaks_the_format_is_refused_as_corrupt(string malformation)
    {
        var zero = PayloadOperation.Zero(0, 4096);
        var manifest = new PayloadManifest
        {
            Version = "2605.10.0",
            Board = BoardName.Default,
            CreatedAt = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            KeyId = _payloads.Key.KeyId,
            ImageSize = 4 * 4096,
            ImageSha256 = Sha256Hash.Compute(new byte[4 * 4096]),
            ChunkSize = 8192,
            Operations = [zero, zero with { TargetOffset = 4096 }, zero with { TargetOffset = 8192 }, zero with { TargetOffset = 12288 }],
        };
        long? dataLength = null;
        Func<byte[], byte[]>? patch = null;
        switch (malformation)
        {
            case "overlap":
                manifest = manifest with { Operations = [zero with { Length = 8192 }, zero with { TargetOffset = 4096, Length = 8192 }, zero with { TargetOffset = 12288 }] };
                break;
            case "gap":
                manifest = manifest with { Operations = [zero, zero with { TargetOffset = 8192 }, zero with { TargetOffset = 12288 }] };
                break;
            case "beyond the image":
                manifest = manifest with { Operations = [.. manifest.Operations, zero with { TargetOffset = 16384 }] };
                break;
            case "longer than a chunk":
                manifest = manifest with { Operations = [zero with { Length = 16384 }] };
                break;
            case "copy in a full payload":
                manifest = manifest with { Operations = [PayloadOperation.Copy(0, 16384, 0, default)], ChunkSize = 16384 };
                break;
            case "copy beyond the source":
                manifest = manifest with { Operations = [PayloadOperation.Copy(0, 16384, 4096, default)], ChunkSize = 16384, Source = new PayloadDeltaSource(16384, default) };
                break;
            case "unknown kind":
                patch = bytes => Patch(bytes, bytes.Length - 13, 9);
                break;
            case "huge operation count":
                patch = bytes => PatchUInt32(bytes, bytes.Length - (4 * 13) - 4, uint.MaxValue);
                break;
            case "data length differs":
                dataLength = 100;
                break;
            case "trailing manifest bytes":
                patch = bytes => [.. bytes, 0];
                break;
            case "unaligned":
                manifest = manifest with { Operations = [zero with { Length = 4000 }, zero with { TargetOffset = 4000, Length = 8192 }, zero with { TargetOffset = 12192, Length = 4192 }] };
                break;
        }

        var payload = Forge(manifest, patch, dataLength);
        var (slot, before) = Slot(4 * 4096);

        var refusal = await Assert.ThrowsAsync<PayloadException>(() =>
            PayloadInstaller.ApplyAsync(new ForwardOnlyStream(payload), new SlotTarget(slot), _payloads.Options()));

        Assert.True(refusal.Kind == PayloadErrorKind.Corrupt, $"{refusal.Kind}: {refusal.Message}");
        Assert.StartsWith("manifest: ", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(slot));
    }

    [Fact]
    public async Task Header_sizes_beyond_the_bounds_are_refused_before_anything_is_allocated_for_them()
    {
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 25));
        var (slot, _) = Slot(64 * 1024);

        foreach (var (offset, value) in new[] { (12, uint.MaxValue), (12, 0u), (16, 1u << 20), (36, 1u) })
        {
            var forged = PatchUInt32(payload.ToArray(), offset, value);
            var refusal = await Assert.ThrowsAsync<PayloadException>(() =>
                PayloadInstaller.ApplyAsync(new ForwardOnlyStream(forged), new SlotTarget(slot), _payloads.Options()));
            Assert.True(refusal.Kind == PayloadErrorKind.Corrupt, $"header field at {offset} = {value}: {refusal.Kind}: {refusal.Message}");
        }

        var newer = payload.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(newer.AsSpan(8), 2);
        Assert.Equal(PayloadErrorKind.Unsupported, (await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync(newer, slot, _payloads.Options()))).Kind);
        var text = "#!/bin/sh\necho not a payload\n"u8.ToArray();
        Assert.Contains("not a Keelson payload", (await Assert.ThrowsAsync<PayloadException>(() => Payloads.ApplyAsync([.. text, .. new byte[64]], slot, _payloads.Options()))).Message, StringComparison.Ordinal);
    }

    public void Dispose() => _payloads.Dispose();

    private static byte[] Patch(byte[] bytes, int offset, byte value)
    {
        bytes[offset] = value;
        return bytes;
    }

    private static byte[] PatchUInt32(byte[] bytes, int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(offset), value);
        return bytes;
    }

    /// <summary>A slot file of <paramref name="length"/> recognisable bytes, and those bytes.</summary>
    private (string Path, byte[] Bytes) Slot(int length)
    {
        var bytes = TestImages.Mixed(length, seed: 1000 + length);
        return (_payloads.File(bytes), bytes);
    }

    /// <summary>A payload with a manifest as given, correctly signed by the trusted key: what a buggy or hostile signer could make.</summary>
    private byte[] Forge(PayloadManifest manifest, Func<byte[], byte[]>? patch, long? dataLength)
    {
        var manifestBytes = ManifestCodec.Encode(manifest);
        manifestBytes = patch?.Invoke(manifestBytes) ?? manifestBytes;
        var header = new PayloadHeader(PayloadFormat.Version, PayloadFormat.EcdsaP256Sha256, manifestBytes.Length, 64, _payloads.Key.KeyId, dataLength ?? 0);
        var signed = new byte[PayloadFormat.HeaderSize + manifestBytes.Length];
        header.WriteTo(signed);
        manifestBytes.CopyTo(signed, PayloadFormat.HeaderSize);
        return [.. signed, .. _payloads.Key.Sign(signed), .. new byte[dataLength ?? 0]];
    }
}
