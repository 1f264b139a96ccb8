using System.Net;
using System.Security.Cryptography.X509Certificates;
using Keelson.Server.Storage;
using Keelson.TestSupport;
using Keelson.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Tests.Tls;

/// <summary><c>keelson server</c> over HTTPS and mTLS, with certificates made by the test and clients as Keelson's own.</summary>
public sealed class ServerTlsTests
{
    private static readonly Uri s_anyPort = new("https://127.0.0.1:0");

    [Fact]
    public async Task Https_serves_a_client_that_trusts_the_CA_file()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));

        var response = await GetAsync(server, new ClientTlsSettings(ca.CaFile, null, null), "/health");

        Assert.Equal("ok\n", response);
    }

    [Fact]
    public async Task A_server_certificate_of_another_CA_is_refused_naming_the_issuer_and_the_setting()
    {
        var ca = TestCertificates.CreateCa();
        var other = TestCertificates.CreateCa("other", ca.Directory);
        var (cert, key) = other.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));

        var message = await FailureAsync(server, new ClientTlsSettings(ca.CaFile, null, null));

        Assert.Contains("issued by 'CN=Keelson other CA'", message);
        Assert.Contains($"nor the CA in {ca.CaFile} (KEELSON_SERVER_CA)", message);
    }

    [Fact]
    public async Task An_untrusted_server_certificate_without_a_CA_file_names_the_setting_to_give()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));

        var message = await FailureAsync(server, ClientTlsSettings.None);

        Assert.Contains("which is not a CA the system trusts (set KEELSON_SERVER_CA", message);
    }

    [Fact]
    public async Task An_expired_server_certificate_is_refused_with_its_expiry()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server("expired", notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-2));
        // A server does not start with a certificate that has expired by its clock: this one's clock is 10 days behind.
        var serverTime = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-10));
        await using var server = await StartAsync(new ServerTlsSettings(cert, key), time: serverTime);

        var message = await FailureAsync(server, new ClientTlsSettings(ca.CaFile, null, null));

        Assert.Contains("the certificate 'CN=expired' expired on", message);
    }

    [Fact]
    public async Task A_server_certificate_for_another_host_is_refused_naming_the_hosts_it_is_for()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server("elsewhere", hosts: ["updates.example.com"]);
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));

        var message = await FailureAsync(server, new ClientTlsSettings(ca.CaFile, null, null));

        Assert.Contains("is not for 127.0.0.1 (it names updates.example.com)", message);
    }

    [Fact]
    public async Task Under_a_client_CA_a_connection_without_a_client_certificate_is_refused_and_logged()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key, ca.CaFile));

        var message = await FailureAsync(server, new ClientTlsSettings(ca.CaFile, null, null));

        Assert.Contains("it requires a client certificate, and none was given (set KEELSON_CLIENT_CERT and KEELSON_CLIENT_KEY)", message);
        await server.WaitForLogAsync("presented no client certificate, and --tls-client-ca requires one");
    }

    [Fact]
    public async Task Under_a_client_CA_a_client_certificate_of_another_CA_is_refused_and_logged()
    {
        var ca = TestCertificates.CreateCa();
        var other = TestCertificates.CreateCa("other", ca.Directory);
        var (cert, key) = ca.Server();
        var (clientCert, clientKey) = other.Client("intruder");
        await using var server = await StartAsync(new ServerTlsSettings(cert, key, ca.CaFile));

        var message = await FailureAsync(server, new ClientTlsSettings(ca.CaFile, clientCert, clientKey));

        Assert.Contains($"it did not accept the client certificate {clientCert}", message);
        await server.WaitForLogAsync("the certificate 'CN=intruder' is issued by 'CN=Keelson other CA', which is not the client CA");
    }

    [Fact]
    public async Task Under_a_client_CA_an_expired_client_certificate_is_refused_and_logged()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        var (clientCert, clientKey) = ca.Client("old", notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        await using var server = await StartAsync(new ServerTlsSettings(cert, key, ca.CaFile));

        await FailureAsync(server, new ClientTlsSettings(ca.CaFile, clientCert, clientKey));

        await server.WaitForLogAsync("the certificate 'CN=old' expired on");
    }

    [Fact]
    public async Task Under_a_client_CA_the_application_reads_the_client_certificate_of_the_request()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        var (clientCert, clientKey) = ca.Client("machine-1");
        await using var server = await StartAsync(new ServerTlsSettings(cert, key, ca.CaFile),
            app => app.MapGet("/test/peer", (HttpContext context) => context.Connection.ClientCertificate?.Subject ?? "none"));

        var subject = await GetAsync(server, new ClientTlsSettings(ca.CaFile, clientCert, clientKey), "/test/peer");

        Assert.Equal("CN=machine-1", subject);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_connections_without_a_restart()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));
        var first = await ServedSerialAsync(server);

        var (renewedCert, renewedKey) = ca.Server("renewed");
        File.Copy(renewedKey, key, overwrite: true);
        File.Copy(renewedCert, cert, overwrite: true);

        var second = await ServedSerialAsync(server);
        Assert.NotEqual(first, second);
        Assert.Equal(X509CertificateLoader.LoadCertificateFromFile(renewedCert).SerialNumber, second);
        await server.WaitForLogAsync("serving the renewed certificate CN=renewed");
    }

    [Fact]
    public async Task A_renewed_pair_that_does_not_match_keeps_the_last_good_certificate_and_logs_why()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        await using var server = await StartAsync(new ServerTlsSettings(cert, key));
        var first = await ServedSerialAsync(server);

        // Only the certificate was renewed: its key is not in the key file.
        var (renewedCert, _) = ca.Server("renewed");
        File.Copy(renewedCert, cert, overwrite: true);

        Assert.Equal(first, await ServedSerialAsync(server));
        await server.WaitForLogAsync($"the changed certificate {cert} and key {key} are not used");
        await server.WaitForLogAsync("still serving CN=server");
    }

    [Fact]
    public async Task An_https_address_without_a_certificate_is_refused_at_start_naming_the_flag()
    {
        var options = new ServerOptions { DataDirectory = Directory.CreateTempSubdirectory("keelson-tls-").FullName, AdminToken = "t" };
        options.Listen.Add(s_anyPort);

        var e = await Assert.ThrowsAsync<TlsException>(() => KeelsonServer.BuildAsync(options));

        Assert.Equal("https://127.0.0.1:0/ is an https address, but no certificate was given: add --tls-cert FILE and --tls-key FILE (PEM)", e.Message);
        Assert.False(File.Exists(Path.Combine(options.DataDirectory, "keelson.db")));
    }

    [Fact]
    public async Task A_certificate_with_an_http_address_is_refused_at_start()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, key) = ca.Server();
        var options = new ServerOptions { DataDirectory = Directory.CreateTempSubdirectory("keelson-tls-").FullName, AdminToken = "t", Tls = new(cert, key) };
        options.Listen.Add(new Uri("http://127.0.0.1:0"));

        var e = await Assert.ThrowsAsync<TlsException>(() => KeelsonServer.BuildAsync(options));

        Assert.Equal("--tls-cert was given, but http://127.0.0.1:0/ is an http address: listen on https://127.0.0.1:0 to serve TLS", e.Message);
    }

    [Fact]
    public async Task A_key_of_another_certificate_is_refused_at_start_naming_both_files()
    {
        var ca = TestCertificates.CreateCa();
        var (cert, _) = ca.Server();
        var (_, otherKey) = ca.Server("other");
        var options = new ServerOptions { DataDirectory = Directory.CreateTempSubdirectory("keelson-tls-").FullName, AdminToken = "t", Tls = new(cert, otherKey) };
        options.Listen.Add(s_anyPort);

        var e = await Assert.ThrowsAsync<TlsException>(() => KeelsonServer.BuildAsync(options));

        Assert.StartsWith($"--tls-cert/--tls-key: cannot use the certificate '{cert}' with the key '{otherKey}'", e.Message);
    }

    private static async Task<RunningServer> StartAsync(ServerTlsSettings tls, Action<WebApplication>? map = null, TimeProvider? time = null)
    {
        var options = new ServerOptions
        {
            DataDirectory = Directory.CreateTempSubdirectory("keelson-tls-").FullName,
            AdminToken = TestServer.Token,
            Database = DatabaseLocation.Sqlite(Path.Combine(Directory.CreateTempSubdirectory("keelson-tls-db-").FullName, "keelson.db")),
            Tls = tls,
        };
        options.Listen.Add(s_anyPort);
        var app = await KeelsonServer.BuildAsync(options, time);
        var log = new CapturedLogs();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        map?.Invoke(app);
        await app.StartAsync();
        return new RunningServer(app, new Uri(KeelsonServer.Addresses(app)[0]), log);
    }

    private static async Task<string> GetAsync(RunningServer server, ClientTlsSettings settings, string path)
    {
        var tls = ClientTls.Load(settings);
        using var http = new HttpClient(tls.Apply(new SocketsHttpHandler())) { BaseAddress = server.Url };
        return await http.GetStringAsync(path);
    }

    /// <summary>The message a Keelson client shows when a request fails.</summary>
    private static async Task<string> FailureAsync(RunningServer server, ClientTlsSettings settings)
    {
        var tls = ClientTls.Load(settings);
        using var http = new HttpClient(tls.Apply(new SocketsHttpHandler())) { BaseAddress = server.Url };
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync("/health"));
        return tls.Describe(e, server.Url);
    }

    /// <summary>The serial number of the certificate a new connection is served.</summary>
    private static async Task<string> ServedSerialAsync(RunningServer server)
    {
        string? serial = null;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            serial = certificate!.GetSerialNumberString();
            return true;
        };
        using var http = new HttpClient(handler) { BaseAddress = server.Url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        return serial!;
    }

    private sealed class RunningServer(WebApplication app, Uri url, CapturedLogs log) : IAsyncDisposable
    {
        public Uri Url { get; } = url;

        /// <summary>Waits for a logged line holding <paramref name="text"/>; the refusal is logged as the handshake ends.</summary>
        public Task WaitForLogAsync(string text) => Eventually.HoldsAsync(
            () => Task.FromResult(log.Entries.Any(e => e.Message.Contains(text, StringComparison.Ordinal))),
            $"a log line holds '{text}'",
            () => "the log:\n" + string.Join('\n', log.Entries.Select(e => e.Message)));

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
