using Microsoft.Extensions.Time.Testing;

namespace Keelson.Payloads.Tests;

/// <summary>Reading a payload without installing it: the manifest, verified or not, and a full check of the data.</summary>
public sealed class PayloadReaderTests : IDisposable
{
    private readonly Payloads _payloads = new();

    [Fact]
    public async Task The_manifest_says_what_the_payload_holds()
    {
        var image = TestImages.Mixed((256 * 1024) + 10, seed: 41);
        image.AsSpan(64 * 1024, 64 * 1024).Clear();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 10, 12, 30, 45, 500, TimeSpan.Zero));
        var output = _payloads.PathOf("out.kpay");

        var created = await PayloadCreator.CreateAsync(new PayloadCreateOptions
        {
            ImagePath = _payloads.File(image),
            Version = "2605.10.0",
            Board = "arm64-usr",
            Key = _payloads.Key,
            ChunkSize = 64 * 1024,
            TimeProvider = clock,
        }, output);
        await using var file = File.OpenRead(output);
        var manifest = await PayloadReader.ReadManifestAsync(file, _payloads.Trusted);

        Assert.Equal(new FileInfo(output).Length, created.PayloadSize);
        Assert.Equal("2605.10.0", manifest.Version);
        Assert.Equal("arm64-usr", manifest.Board);
        Assert.Equal(new DateTimeOffset(2026, 5, 10, 12, 30, 45, TimeSpan.Zero), manifest.CreatedAt);
        Assert.Equal(_payloads.Key.KeyId, manifest.KeyId);
        Assert.Equal(image.Length, manifest.ImageSize);
        Assert.Equal(Sha256Hash.Compute(image), manifest.ImageSha256);
        Assert.Equal(64 * 1024, manifest.ChunkSize);
        Assert.Null(manifest.Source);
        Assert.Equal(1, manifest.CountOf(PayloadOperationKind.Zero));
        Assert.Equal(4, manifest.CountOf(PayloadOperationKind.Data));
        Assert.Equal(PayloadFormat.HeaderSize + 64, created.PayloadSize - manifest.DataLength - ManifestCodec.Encode(manifest).Length);
        Assert.Equal(PayloadFormat.HeaderSize + ManifestCodec.Encode(manifest).Length + 64, file.Position);
    }

    [Fact]
    public async Task The_unverified_manifest_is_readable_without_keys_but_the_verified_one_is_not()
    {
        using var stranger = PayloadSigningKey.Generate();
        var payload = await _payloads.CreateAsync(TestImages.Mixed(64 * 1024, seed: 42), key: stranger);

        var manifest = await PayloadReader.ReadUnverifiedManifestAsync(new MemoryStream(payload));

        Assert.Equal(stranger.KeyId, manifest.KeyId);
        await Assert.ThrowsAsync<PayloadException>(() => PayloadReader.ReadManifestAsync(new MemoryStream(payload), _payloads.Trusted));
    }

    [Fact]
    public async Task Verifying_checks_every_chunk_and_the_image_hash()
    {
        var image = TestImages.Mixed(512 * 1024, seed: 43);
        var payload = await _payloads.CreateAsync(image, chunkSize: 16 * 1024);

        var manifest = await PayloadReader.VerifyAsync(new ForwardOnlyStream(payload), _payloads.Trusted);
        payload[^1] ^= 1;
        var refusal = await Assert.ThrowsAsync<PayloadException>(() => PayloadReader.VerifyAsync(new MemoryStream(payload), _payloads.Trusted));

        Assert.Equal(Sha256Hash.Compute(image), manifest.ImageSha256);
        Assert.Equal(PayloadErrorKind.Corrupt, refusal.Kind);
        Assert.Contains("zstd frame has SHA-256", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verifying_a_delta_checks_its_data_without_the_source()
    {
        var old = TestImages.Mixed(256 * 1024, seed: 44);
        var image = old.ToArray();
        TestImages.Mixed(8192, seed: 45).CopyTo(image, 4096);
        var delta = await _payloads.CreateAsync(image, source: old);

        var manifest = await PayloadReader.VerifyAsync(new MemoryStream(delta), _payloads.Trusted);

        Assert.True(manifest.IsDelta);
        Assert.Equal(new PayloadDeltaSource(old.Length, Sha256Hash.Compute(old)), manifest.Source);
        Assert.True(manifest.CountOf(PayloadOperationKind.Copy) > 0);
    }

    public void Dispose() => _payloads.Dispose();
}
