using System.Net;
using Keelson.IntegrationTests.Harness;
using Keelson.TestSupport;
using Keelson.Tls;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// The <c>keelson</c> services over HTTPS and mTLS (<c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-client-ca</c>), and the
/// CLI's admin commands reaching them (<c>--ca</c>, <c>--client-cert</c>, <c>--client-key</c> or their variables).
/// </summary>
public sealed class TlsTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Admin_commands_reach_a_server_that_requires_client_certificates()
    {
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var (cert, key) = ca.Server();
        var (clientCert, clientKey) = ca.Client("operator");
        var (url, token) = await StartServerAsync(keelson, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca.CaFile);

        var withFlags = await keelson.RunAsync(
            ["channel", "list", "--server", url, "--ca", ca.CaFile, "--client-cert", clientCert, "--client-key", clientKey],
            new Dictionary<string, string?> { ["KEELSON_TOKEN"] = token, ["KEELSON_SERVER"] = null });
        Assert.True(withFlags.ExitCode == 0, withFlags.ToString());
        Assert.Contains("stable", withFlags.StandardOutput);

        var fromEnvironment = await keelson.RunAsync(
            ["channel", "list"],
            new Dictionary<string, string?>
            {
                ["KEELSON_TOKEN"] = token,
                ["KEELSON_SERVER"] = url,
                ["KEELSON_SERVER_CA"] = ca.CaFile,
                ["KEELSON_CLIENT_CERT"] = clientCert,
                ["KEELSON_CLIENT_KEY"] = clientKey,
            });
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
    }

    [Fact]
    public async Task An_admin_command_without_a_client_certificate_says_the_server_requires_one()
    {
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var (cert, key) = ca.Server();
        var (url, token) = await StartServerAsync(keelson, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca.CaFile);

        var result = await keelson.RunAsync(
            ["channel", "list", "--server", url, "--ca", ca.CaFile],
            new Dictionary<string, string?> { ["KEELSON_TOKEN"] = token, ["KEELSON_SERVER"] = null, ["KEELSON_CLIENT_CERT"] = null, ["KEELSON_CLIENT_KEY"] = null });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("it requires a client certificate, and none was given (set --client-cert/$KEELSON_CLIENT_CERT and --client-key/$KEELSON_CLIENT_KEY)", result.StandardError);
    }

    [Fact]
    public async Task An_admin_command_refuses_a_server_certificate_of_another_CA()
    {
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var other = TestCertificates.CreateCa("other", keelson.PathOf(""));
        var (cert, key) = other.Server();
        var (url, token) = await StartServerAsync(keelson, "--tls-cert", cert, "--tls-key", key);

        var result = await keelson.RunAsync(
            ["channel", "list", "--server", url, "--ca", ca.CaFile],
            new Dictionary<string, string?> { ["KEELSON_TOKEN"] = token, ["KEELSON_SERVER"] = null });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"is issued by 'CN=Keelson other CA', which is not a CA the system trusts nor the CA in {ca.CaFile} (--ca/$KEELSON_SERVER_CA)", result.StandardError);
    }

    private const string EtcdNowhere = "ETCD-NOWHERE";

    [Theory]
    [InlineData("server", "--data", "data")]
    [InlineData("discovery", "serve")]
    [InlineData("fleetlock", "serve", "--etcd", EtcdNowhere)]
    public async Task An_https_address_without_a_certificate_stops_the_start_naming_the_flag(params string[] command)
    {
        await using var keelson = new KeelsonProcess(log);
        // An etcd that is nowhere: the start must stop before any is asked, and a regression must not find one that runs here.
        var nowhere = $"http://127.0.0.1:{LoopbackPorts.Next()}";

        var result = await keelson.RunAsync([.. command.Select(a => a == EtcdNowhere ? nowhere : a), "--listen", "https://127.0.0.1:0"], environment: null);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("https://127.0.0.1:0/ is an https address, but no certificate was given: add --tls-cert FILE and --tls-key FILE (PEM)", result.StandardError);
        Assert.DoesNotContain("   at ", result.StandardError);
    }

    [Fact]
    public async Task A_certificate_with_an_http_address_stops_the_start()
    {
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var (cert, key) = ca.Server();

        var result = await keelson.RunAsync(["server", "--data", "data", "--listen", "http://127.0.0.1:0", "--tls-cert", cert, "--tls-key", key], environment: null);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--tls-cert was given, but http://127.0.0.1:0/ is an http address", result.StandardError);
    }

    [Fact]
    public async Task Discovery_and_FleetLock_serve_over_https()
    {
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var (cert, key) = ca.Server();
        var tls = ClientTls.Load(new ClientTlsSettings(ca.CaFile, null, null));
        using var http = new HttpClient(tls.Apply(new SocketsHttpHandler()));

        var discovery = keelson.Start(["discovery", "serve", "--listen", "https://127.0.0.1:0", "--store", $"sqlite:{keelson.PathOf("discovery.db")}", "--tls-cert", cert, "--tls-key", key]);
        var discoveryUrl = await ListeningAsync(discovery, "keelson discovery listening on ");
        using (var created = await http.PostAsync($"{discoveryUrl}/new?size=3", null))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.StartsWith("https://", await created.Content.ReadAsStringAsync());
        }

        // No etcd answers there: FleetLock answers 503 until one does, over TLS all the same.
        var fleetLock = keelson.Start(["fleetlock", "serve", "--listen", "https://127.0.0.1:0", "--etcd", $"http://127.0.0.1:{LoopbackPorts.Next()}", "--tls-cert", cert, "--tls-key", key]);
        var fleetLockUrl = await ListeningAsync(fleetLock, "keelson fleetlock listening on ");
        using var health = await http.GetAsync($"{fleetLockUrl}/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task FleetLock_serve_trusting_certificates_lets_a_machine_act_only_for_the_id_its_certificate_names()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1, log);
        await using var keelson = new KeelsonProcess(log);
        var ca = TestCertificates.CreateCa(directory: keelson.PathOf(""));
        var (cert, key) = ca.Server();
        var serve = keelson.Start(["fleetlock", "serve", "--listen", "https://127.0.0.1:0", "--etcd", etcd.Endpoints,
            "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", ca.CaFile, "--machine-trust", "certificate"]);
        var url = await ListeningAsync(serve, "keelson fleetlock listening on ");
        await serve.WaitForLineAsync(line => line.StartsWith("serving: ", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        using var machineA = MachineClient(ca, "machine-a");
        using var machineB = MachineClient(ca, "machine-b");

        using var taken = await FleetLockAsync(machineA, url, "pre-reboot", "machine-a");
        using var freedByAnother = await FleetLockAsync(machineB, url, "steady-state", "machine-a");
        using var takenInAnothersName = await FleetLockAsync(machineB, url, "pre-reboot", "machine-c");
        var semaphore = "com.coreos.airlock/groups/default/v1/semaphore";
        var held = (await etcd.EtcdctlSucceedAsync("get", semaphore, "--print-value-only")).StandardOutput.Trim();
        using var freed = await FleetLockAsync(machineA, url, "steady-state", "machine-a");

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, freedByAnother.StatusCode);
        Assert.Contains("untrusted_client", await freedByAnother.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, takenInAnothersName.StatusCode);
        Assert.Equal("""{"total_slots":1,"holders":["machine-a"]}""", held);
        Assert.Equal(HttpStatusCode.OK, freed.StatusCode);
        Assert.Equal("""{"total_slots":1,"holders":[]}""", (await etcd.EtcdctlSucceedAsync("get", semaphore, "--print-value-only")).StandardOutput.Trim());
    }

    private static HttpClient MachineClient(TestCertificates ca, string name)
    {
        var (cert, key) = ca.Client(name);
        return new HttpClient(ClientTls.Load(new ClientTlsSettings(ca.CaFile, cert, key)).Apply(new SocketsHttpHandler()));
    }

    private static async Task<HttpResponseMessage> FleetLockAsync(HttpClient machine, string url, string operation, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{url}/v1/{operation}")
        {
            Content = new StringContent($$$"""{"client_params":{"id":"{{{id}}}","group":"default"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("fleet-lock-protocol", "true");
        return await machine.SendAsync(request);
    }

    private static async Task<(string Url, string Token)> StartServerAsync(KeelsonProcess keelson, params string[] tls)
    {
        var data = keelson.PathOf("data");
        var process = keelson.Start(["server", "--data", data, "--listen", "https://127.0.0.1:0", .. tls]);
        var url = await ListeningAsync(process, "keelson server listening on ");
        await process.WaitForLineAsync(line => line.StartsWith("admin token ", StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        return (url, (await File.ReadAllTextAsync(Path.Combine(data, "admin-token"))).Trim());
    }

    private static async Task<string> ListeningAsync(RunningProcess process, string prefix)
    {
        var line = await process.WaitForLineAsync(l => l.StartsWith(prefix, StringComparison.Ordinal), KeelsonProcess.StartTimeout);
        var url = line[prefix.Length..].Trim();
        Assert.StartsWith("https://", url);
        return url;
    }
}
