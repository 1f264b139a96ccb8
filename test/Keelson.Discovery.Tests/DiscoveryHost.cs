using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Discovery.Tests;

/// <summary>A discovery service in this process on a loopback port, over a <see cref="TestStore"/>.</summary>
public sealed class DiscoveryHost : IAsyncDisposable
{
    private bool _stopped;
    private bool _disposed;

    private DiscoveryHost(WebApplication app)
    {
        App = app;
        BaseUrl = new Uri(DiscoveryService.Addresses(app)[0]);
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Watches held right now, waiting for a change.</summary>
    public int HeldWatches => App.Services.GetRequiredService<TokenSpace>().HeldWatches;

    public static async Task<DiscoveryHost> StartAsync(TestStore store, Action<DiscoveryOptions>? configure = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var options = new DiscoveryOptions();
        options.Listen.Add(new Uri("http://127.0.0.1:0"));
        store.Apply(options);
        configure?.Invoke(options);
        var app = await DiscoveryService.BuildAsync(options, time);
        await app.StartAsync();
        return new DiscoveryHost(app);
    }

    /// <summary><c>GET /new?size=N</c>; returns the token (the URL's last segment).</summary>
    public async Task<string> NewTokenAsync(int size = 3)
    {
        var answer = await SendAsync(HttpMethod.Get, $"/new?size={size}");
        Assert.True(answer.Status == System.Net.HttpStatusCode.OK, answer.ToString());
        return new Uri(answer.Body).Segments[^1];
    }

    public Task<Answer> GetAsync(string path, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);

    /// <summary>A PUT as etcd's client sends it: <c>value</c> in a urlencoded form body.</summary>
    public Task<Answer> PutAsync(string path, string value) =>
        SendAsync(HttpMethod.Put, path, new FormUrlEncodedContent([new KeyValuePair<string, string>("value", value)]));

    public Task<Answer> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public async Task<Answer> SendAsync(HttpMethod method, string path, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        long? index = response.Headers.TryGetValues("X-Etcd-Index", out var values)
            ? long.Parse(values.Single(), CultureInfo.InvariantCulture)
            : null;
        return new Answer(response.StatusCode, index, body, response.Content.Headers.ContentType?.MediaType);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await App.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Http.Dispose();
        await StopAsync();
        await App.DisposeAsync();
    }
}
