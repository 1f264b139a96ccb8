using System.Security.Cryptography;

namespace Keelson.Server.Payloads;

/// <summary>
/// Payload files hosted by the server, one file per package under <c>DATA/payloads</c>. Uploads stream to
/// an incoming file while their size and hashes are computed, are flushed to disk, then move into place.
/// </summary>
public sealed class PayloadStore
{
    private const int BufferSize = 1 << 20;
    private readonly string _root;
    private readonly string _incoming;

    public PayloadStore(string dataDirectory)
    {
        // Absolute: the files are served with PhysicalFile, which refuses relative paths.
        _root = Path.GetFullPath(Path.Combine(dataDirectory, "payloads"));
        _incoming = Path.Combine(_root, ".incoming");
        Directory.CreateDirectory(_incoming);
        // Uploads that were cut off by a crash never became packages.
        foreach (var stale in Directory.EnumerateFiles(_incoming))
        {
            File.Delete(stale);
        }
    }

    public string PathOf(string packageId) => Path.Combine(_root, packageId);

    /// <summary>Removes a deleted package's file; a download that has it open reads on to its end.</summary>
    public void Delete(string packageId) => File.Delete(PathOf(packageId));

    /// <summary>Streams <paramref name="content"/> to an incoming file; <see cref="Incoming.Commit"/> moves it into place.</summary>
    public async Task<Incoming> ReceiveAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_incoming, Guid.NewGuid().ToString("n"));
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new PayloadTooLargeException(maxBytes);
                    }

                    sha1.AppendData(buffer, 0, read);
                    sha256.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }

            return new Incoming(this, path, size, Convert.ToBase64String(sha1.GetHashAndReset()), Convert.ToBase64String(sha256.GetHashAndReset()));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>A received upload, not yet a package's file.</summary>
    public sealed class Incoming(PayloadStore store, string path, long size, string sha1, string sha256) : IDisposable
    {
        public long Size => size;
        public string Sha1 => sha1;
        public string Sha256 => sha256;

        public void Commit(string packageId) => File.Move(path, store.PathOf(packageId));

        /// <summary>Deletes the file unless it was committed.</summary>
        public void Dispose() => File.Delete(path);
    }
}
