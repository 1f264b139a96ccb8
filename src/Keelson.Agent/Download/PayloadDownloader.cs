using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Keelson.Agent.Omaha;
using Keelson.Omaha;
using Keelson.Tls;

namespace Keelson.Agent.Download;

/// <summary>
/// Downloads an offered payload into a file, resuming with HTTP Range after an interruption (also across
/// agent restarts: the partial file is the state) and falling over to the offer's other URLs. The finished
/// file must have the size and SHA-256 the server advertised, or it is deleted and the download fails.
/// </summary>
/// <param name="tls">The TLS settings <paramref name="http"/> was made with, to put a refused handshake in words.</param>
public sealed class PayloadDownloader(HttpClient http, ClientTls? tls = null)
{
    private const int BufferSize = 1 << 20;

    /// <summary>
    /// Makes <paramref name="path"/> hold the offered payload, continuing what a previous attempt left there.
    /// <paramref name="progress"/> gets the bytes held so far.
    /// </summary>
    public async Task DownloadAsync(UpdateOffer offer, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(offer);
        UpdateEngineException? last = null;
        foreach (var url in offer.Urls)
        {
            try
            {
                await DownloadFromAsync(url, offer.Size, path, progress, cancellationToken);
                last = null;
                break;
            }
            catch (UpdateEngineException e) when (e.IsTransient)
            {
                // Try the next URL; the bytes already held stay for it to continue from.
                last = e;
            }
        }

        if (last is not null)
        {
            throw last;
        }

        await VerifyAsync(offer, path, cancellationToken);
    }

    private async Task DownloadFromAsync(Uri url, long size, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 0, FileOptions.Asynchronous);
        var held = file.Length;
        if (held > size)
        {
            // Not a prefix of this payload (another offer's leftovers): start over.
            file.SetLength(0);
            held = 0;
        }

        if (held == size)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (held > 0)
        {
            request.Headers.Range = new RangeHeaderValue(held, null);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new UpdateEngineException($"cannot download {url}: {TlsFailures.Describe(e, tls, url)}", OmahaErrorCodes.TransferErrorBase, isTransient: true, e);
        }

        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange?.From == held:
                    break;
                case HttpStatusCode.OK:
                    // The server ignored the range: take the whole payload from the start.
                    held = 0;
                    file.SetLength(0);
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    // What is held does not fit this payload: start over next time.
                    file.SetLength(0);
                    throw new UpdateEngineException($"{url} refused to continue at byte {held}", OmahaErrorCodes.TransferErrorBase + 416, isTransient: true);
                default:
                    var status = (int)response.StatusCode;
                    throw new UpdateEngineException($"downloading {url} failed: HTTP {status} {response.ReasonPhrase}",
                        OmahaErrorCodes.TransferErrorBase + status, isTransient: true);
            }

            file.Position = held;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[BufferSize];
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (held + read > size)
                    {
                        file.SetLength(0);
                        throw new UpdateEngineException($"{url} sent more than the advertised {size} bytes",
                            OmahaErrorCodes.PayloadSizeMismatch, isTransient: false);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    held += read;
                    progress?.Report(held);
                }
            }
            catch (IOException e)
            {
                await file.FlushAsync(CancellationToken.None);
                throw new UpdateEngineException($"the download from {url} broke off at byte {held}: {e.Message}",
                    OmahaErrorCodes.TransferErrorBase, isTransient: true, e);
            }
            catch (HttpRequestException e)
            {
                await file.FlushAsync(CancellationToken.None);
                throw new UpdateEngineException($"the download from {url} broke off at byte {held}: {e.Message}",
                    OmahaErrorCodes.TransferErrorBase, isTransient: true, e);
            }

            file.Flush(flushToDisk: true);
            if (held != size)
            {
                throw new UpdateEngineException($"{url} ended after {held} of {size} bytes", OmahaErrorCodes.TransferErrorBase, isTransient: true);
            }
        }
    }

    private static async Task VerifyAsync(UpdateOffer offer, string path, CancellationToken cancellationToken)
    {
        byte[] sha256;
        byte[] sha1;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            using var hash256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var hash1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash256.AppendData(buffer, 0, read);
                hash1.AppendData(buffer, 0, read);
            }

            sha256 = hash256.GetHashAndReset();
            sha1 = hash1.GetHashAndReset();
        }

        if (Convert.ToBase64String(sha256) != offer.Sha256Base64 || Convert.ToBase64String(sha1) != offer.Sha1Base64)
        {
            File.Delete(path);
            throw new UpdateEngineException(
                $"the downloaded payload's hash does not match the server's (SHA-256 {Convert.ToBase64String(sha256)}, expected {offer.Sha256Base64}); deleted it",
                OmahaErrorCodes.PayloadHashMismatch, isTransient: true);
        }
    }
}
