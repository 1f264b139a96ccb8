using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Trust;
using Keelson.Server.Updates;
using Keelson.TestSupport;
using Keelson.Tls;

namespace Keelson.Server.Tests.Trust;

/// <summary>
/// The two attacks of an unauthenticated client, refused when the server trusts machines by token or certificate:
/// halting a safe-mode rollout with a made-up machine, and freeing another machine's reboot slot.
/// </summary>
public sealed class MachineTrustTests
{
    private const string Track = "stable";

    private static async Task<(TestServer Server, HttpClient Machine)> StartAsync()
    {
        var server = await TestServer.StartAsync(options => options.MachineTrust = MachineTrustMode.Token);
        var (package, _) = await server.PublishAsync("1.1.0");
        await server.SetChannelAsync(Track, package.Version);
        await server.PatchGroupAsync(Track, new GroupRequest(SafeMode: true));
        var secret = await server.CreateTokenAsync("fleet", "machine");
        // As update_engine sends the user information of SERVER=https://m:TOKEN@host/v1/update/.
        var machine = new HttpClient { BaseAddress = server.BaseUrl };
        machine.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("m:" + secret)));
        return (server, machine);
    }

    private static async Task<XElement> OmahaAsync(TestServer server, HttpClient? client, string machineId, string appBody)
    {
        using var content = new StringContent(OmahaXml.Request(machineId, "1.0.0", Track, appBody), Encoding.UTF8, "text/xml");
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };
        var response = await (client ?? anonymous).PostAsync("/v1/update/", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return XDocument.Parse(text).Root!.Element("app")!;
    }

    private static Task<XElement> CheckAsync(TestServer server, HttpClient? client, string machineId) =>
        OmahaAsync(server, client, machineId, "<ping active=\"1\"></ping><updatecheck></updatecheck>");

    private static Task<XElement> FailAsync(TestServer server, HttpClient? client, string machineId) =>
        OmahaAsync(server, client, machineId, $"<event eventtype=\"3\" eventresult=\"0\" errorcode=\"1001\"></event>");

    private static async Task<GroupInfo> GroupAsync(TestServer server) =>
        (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<GroupInfo>(server.Http, $"{server.AppPath}/groups/{Track}", TestServer.Json))!;

    [Fact]
    public async Task A_made_up_machine_without_a_token_is_never_granted_and_cannot_halt_a_safe_mode_rollout()
    {
        var (server, machine) = await StartAsync();
        await using var _ = server;
        using var __ = machine;

        var answer = await CheckAsync(server, null, "made-up-1");
        await FailAsync(server, null, "made-up-1");

        Assert.Equal("noupdate", answer.Element("updatecheck")!.Attribute("status")!.Value);
        var recorded = (await server.InstanceAsync("made-up-1")).Instance;
        Assert.Equal(InstanceStatus.OnHold, recorded.Status);
        Assert.StartsWith("not trusted: the request carries no valid machine token", recorded.StatusReason);
        var group = await GroupAsync(server);
        Assert.True(group.UpdatesEnabled, group.PausedReason);
        // The rollout goes on: the first machine with the fleet's token is granted the update.
        Assert.Equal("ok", (await CheckAsync(server, machine, "real-1")).Element("updatecheck")!.Attribute("status")!.Value);
    }

    [Fact]
    public async Task A_report_without_a_token_in_the_name_of_a_granted_machine_changes_nothing()
    {
        var (server, machine) = await StartAsync();
        await using var _ = server;
        using var __ = machine;
        await CheckAsync(server, machine, "real-1");

        await FailAsync(server, null, "real-1");
        await CheckAsync(server, null, "real-1");

        Assert.Equal(InstanceStatus.UpdateGranted, (await server.InstanceAsync("real-1")).Instance.Status);
        Assert.True((await GroupAsync(server)).UpdatesEnabled);
        // The same report with the token is believed: safe mode halts the group.
        await FailAsync(server, machine, "real-1");
        Assert.False((await GroupAsync(server)).UpdatesEnabled);
    }

    [Fact]
    public async Task A_client_without_a_token_can_neither_take_nor_free_a_reboot_slot()
    {
        var (server, machine) = await StartAsync();
        await using var _ = server;
        using var __ = machine;
        using var anonymous = new HttpClient { BaseAddress = server.BaseUrl };
        Assert.Equal(HttpStatusCode.OK, (await FleetLockAsync(machine, "pre-reboot", "real-1")).Status);

        var free = await FleetLockAsync(anonymous, "steady-state", "real-1");
        var take = await FleetLockAsync(anonymous, "pre-reboot", "made-up-1");

        Assert.Equal(HttpStatusCode.Forbidden, free.Status);
        Assert.Equal("untrusted_client", JsonDocument.Parse(free.Body).RootElement.GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, take.Status);
        var locks = await server.Http.GetStringAsync("/api/reboot-locks/default");
        Assert.Contains("real-1", locks);
        Assert.DoesNotContain("made-up-1", locks);
        // The machine itself, with the token, frees its slot.
        Assert.Equal(HttpStatusCode.OK, (await FleetLockAsync(machine, "steady-state", "real-1")).Status);
        Assert.DoesNotContain("real-1", await server.Http.GetStringAsync("/api/reboot-locks/default"));
    }

    [Fact]
    public async Task With_certificates_a_machine_acts_only_for_the_id_its_certificate_names()
    {
        var ca = TestCertificates.CreateCa("machines");
        var (cert, key) = ca.Server();
        HttpClient Holding(string name)
        {
            var (clientCert, clientKey) = ca.Client(name);
            return new HttpClient(ClientTls.Load(new ClientTlsSettings(ca.CaFile, clientCert, clientKey)).Apply(new SocketsHttpHandler()));
        }

        var (operatorCert, operatorKey) = ca.Client("operator");
        var server = await TestServer.StartAsync(
            options =>
            {
                options.Listen.Clear();
                options.Listen.Add(new Uri("https://127.0.0.1:0"));
                options.Tls = new ServerTlsSettings(cert, key, ca.CaFile);
                options.MachineTrust = MachineTrustMode.Certificate;
            },
            adminHandler: ClientTls.Load(new ClientTlsSettings(ca.CaFile, operatorCert, operatorKey)).Apply(new SocketsHttpHandler()));
        await using var _ = server;
        await server.SetChannelAsync(Track, (await server.PublishAsync("1.1.0")).Package.Version);
        using var real1 = Holding("real-1");
        using var real2 = Holding("real-2");
        real1.BaseAddress = real2.BaseAddress = server.BaseUrl;

        var own = await CheckAsync(server, real1, "real-1");
        var posing = await CheckAsync(server, real2, "real-3");
        var take = await FleetLockAsync(real1, "pre-reboot", "real-1");
        var free = await FleetLockAsync(real2, "steady-state", "real-1");

        Assert.Equal("ok", own.Element("updatecheck")!.Attribute("status")!.Value);
        Assert.Equal("noupdate", posing.Element("updatecheck")!.Attribute("status")!.Value);
        Assert.Equal("not trusted: the client certificate is for 'real-2', not for 'real-3'", (await server.InstanceAsync("real-3")).Instance.StatusReason);
        Assert.Equal(HttpStatusCode.OK, take.Status);
        Assert.Equal(HttpStatusCode.Forbidden, free.Status);
        Assert.Contains("the client certificate is for 'real-2', not for 'real-1'", free.Body);
        Assert.Contains("real-1", await server.Http.GetStringAsync("/api/reboot-locks/default"));
    }

    [Fact]
    public async Task Trusting_certificates_without_asking_machines_for_one_does_not_start()
    {
        var ca = TestCertificates.CreateCa("machines");
        var (cert, key) = ca.Server();

        var e = await Assert.ThrowsAsync<TlsException>(() => TestServer.StartAsync(options =>
        {
            options.Listen.Clear();
            options.Listen.Add(new Uri("https://127.0.0.1:0"));
            options.Tls = new ServerTlsSettings(cert, key);
            options.MachineTrust = MachineTrustMode.Certificate;
        }));

        Assert.StartsWith("--machine-trust certificate needs client certificates: give --tls-client-ca FILE", e.Message);
    }

    private static async Task<(HttpStatusCode Status, string Body)> FleetLockAsync(HttpClient client, string operation, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/{operation}")
        {
            Content = new StringContent($$$"""{"client_params":{"id":"{{{id}}}","group":"default"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("fleet-lock-protocol", "true");
        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
