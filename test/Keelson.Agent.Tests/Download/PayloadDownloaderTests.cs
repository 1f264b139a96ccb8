using System.Security.Cryptography;
using Keelson.Agent.Download;
using Keelson.Agent.Omaha;
using Keelson.Server.Tests;

namespace Keelson.Agent.Tests.Download;

public sealed class PayloadDownloaderTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private byte[] _bytes = [];
    private UpdateOffer _offer = null!;
    private string _path = "";

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        (var package, _bytes) = await _server.PublishAsync("1.1.0", size: 3 << 20);
        _offer = new UpdateOffer("1.1.0", [new Uri(package.Url)], package.Size, package.Sha1, package.Sha256, false);
        _path = Path.Combine(_server.DataDirectory, "download.partial");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_download_holds_exactly_the_payload()
    {
        await new PayloadDownloader(new HttpClient()).DownloadAsync(_offer, _path, null, CancellationToken.None);

        Assert.Equal(_bytes, await File.ReadAllBytesAsync(_path));
    }

    [Fact]
    public async Task An_interrupted_download_resumes_where_it_stopped()
    {
        using var cancel = new CancellationTokenSource();
        long stoppedAt = 0;
        var progress = new SynchronousProgress(held =>
        {
            if (held >= 1 << 20 && !cancel.IsCancellationRequested)
            {
                stoppedAt = held;
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new PayloadDownloader(new HttpClient()).DownloadAsync(_offer, _path, progress, cancel.Token));
        Assert.Equal(stoppedAt, new FileInfo(_path).Length);
        Assert.InRange(stoppedAt, 1 << 20, (3 << 20) - 1);

        long firstReport = -1;
        await new PayloadDownloader(new HttpClient()).DownloadAsync(_offer, _path, new SynchronousProgress(held => firstReport = firstReport < 0 ? held : firstReport), CancellationToken.None);

        Assert.Equal(_bytes, await File.ReadAllBytesAsync(_path));
        Assert.True(firstReport > stoppedAt, "the second attempt continued from the bytes held");
    }

    [Fact]
    public async Task A_dead_url_falls_over_to_the_next_one()
    {
        var offer = _offer with { Urls = [new Uri("http://127.0.0.1:1/payload.gz"), _offer.Urls[0]] };

        await new PayloadDownloader(new HttpClient()).DownloadAsync(offer, _path, null, CancellationToken.None);

        Assert.Equal(_bytes, await File.ReadAllBytesAsync(_path));
    }

    [Fact]
    public async Task A_payload_with_the_wrong_hash_is_deleted_and_reported_as_error_10()
    {
        var offer = _offer with { Sha256Base64 = Convert.ToBase64String(SHA256.HashData([1, 2, 3])) };

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            new PayloadDownloader(new HttpClient()).DownloadAsync(offer, _path, null, CancellationToken.None));

        Assert.Equal(10, error.ErrorCode);
        Assert.False(File.Exists(_path));
    }

    [Fact]
    public async Task More_bytes_than_advertised_is_a_size_mismatch_error_11()
    {
        var offer = _offer with { Size = _bytes.Length - 100 };

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            new PayloadDownloader(new HttpClient()).DownloadAsync(offer, _path, null, CancellationToken.None));

        Assert.Equal(11, error.ErrorCode);
    }

    [Fact]
    public async Task Leftovers_of_another_payload_are_replaced()
    {
        await File.WriteAllBytesAsync(_path, RandomNumberGenerator.GetBytes(1000));

        var error = await Record.ExceptionAsync(() => new PayloadDownloader(new HttpClient()).DownloadAsync(_offer, _path, null, CancellationToken.None));

        // The 1000 wrong bytes are continued from, so the hash fails once and the file is dropped; the next attempt is clean.
        Assert.Equal(10, Assert.IsType<UpdateEngineException>(error).ErrorCode);
        await new PayloadDownloader(new HttpClient()).DownloadAsync(_offer, _path, null, CancellationToken.None);
        Assert.Equal(_bytes, await File.ReadAllBytesAsync(_path));
    }

    [Fact]
    public async Task When_every_url_fails_the_last_error_is_reported()
    {
        var offer = _offer with { Urls = [new Uri("http://127.0.0.1:1/payload.gz"), new Uri(_server.BaseUrl, "/v1/payloads/nope/payload.gz")] };

        var error = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            new PayloadDownloader(new HttpClient()).DownloadAsync(offer, _path, null, CancellationToken.None));

        Assert.Equal(2404, error.ErrorCode);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
