namespace Keelson.Payloads.Tests;

/// <summary>Makes payloads for tests: files in a temp folder, and the payload's bytes for flipping and cutting.</summary>
public sealed class Payloads : IDisposable
{
    private readonly TempDirectory _directory = new();
    private int _count;

    public Payloads(PayloadSigningKey? key = null) => Key = key ?? PayloadSigningKey.Generate();

    public PayloadSigningKey Key { get; }

    public IReadOnlyList<PayloadPublicKey> Trusted => [Key.PublicKey];

    public string Directory => _directory.Path;

    public string PathOf(string name) => _directory.Of(name);

    /// <summary>Writes <paramref name="bytes"/> to a new file in the folder and returns its path.</summary>
    public string File(byte[] bytes, string? name = null)
    {
        var path = _directory.Of(name ?? $"file{Interlocked.Increment(ref _count)}");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A payload of <paramref name="image"/>; a delta when <paramref name="source"/> is given.</summary>
    public Task<byte[]> CreateAsync(byte[] image, string version = "2605.10.0", byte[]? source = null, string board = BoardName.Default, int chunkSize = 64 * 1024, PayloadSigningKey? key = null) =>
        CreateFromFilesAsync(File(image), version, source is null ? null : File(source), board, chunkSize, key);

    public async Task<byte[]> CreateFromFilesAsync(string image, string version = "2605.10.0", string? source = null, string board = BoardName.Default, int chunkSize = 64 * 1024, PayloadSigningKey? key = null)
    {
        var output = _directory.Of($"payload{Interlocked.Increment(ref _count)}");
        await PayloadCreator.CreateAsync(new PayloadCreateOptions
        {
            ImagePath = image,
            Version = version,
            Key = key ?? Key,
            Board = board,
            SourceImagePath = source,
            ChunkSize = chunkSize,
        }, output);
        return await System.IO.File.ReadAllBytesAsync(output);
    }

    /// <summary>Applies <paramref name="payload"/> to the slot file <paramref name="slot"/>.</summary>
    public static Task<PayloadApplyResult> ApplyAsync(byte[] payload, string slot, PayloadApplyOptions options) =>
        PayloadInstaller.ApplyAsync(new MemoryStream(payload, writable: false), new SlotTarget(slot), options);

    public PayloadApplyOptions Options(string? source = null) => new() { TrustedKeys = Trusted, Source = source is null ? null : new SlotTarget(source) };

    public void Dispose()
    {
        Key.Dispose();
        _directory.Dispose();
    }
}
