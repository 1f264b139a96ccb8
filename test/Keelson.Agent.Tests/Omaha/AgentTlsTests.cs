using Keelson.Agent.Configuration;
using Keelson.Agent.Omaha;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.Server.Tests;
using Keelson.TestSupport;
using Keelson.Tls;

namespace Keelson.Agent.Tests.Omaha;

/// <summary>
/// The agent's clients (Omaha, FleetLock) against a real update server over HTTPS and mTLS, set up as a machine is:
/// through update.conf's KEELSON_SERVER_CA, KEELSON_CLIENT_CERT and KEELSON_CLIENT_KEY.
/// </summary>
public sealed class AgentTlsTests
{
    private static readonly MachineIdentity s_machine = new(
        "0123456789abcdef0123456789abcdef", "{965fb4c5-ad3e-4eb7-a4c2-ca0c0e31ec84}", "1.0.0", "amd64-usr", "1.0.0", "ami", "0.1.1");

    [Fact]
    public async Task An_update_check_goes_over_mTLS_with_the_CA_and_client_certificate_of_update_conf()
    {
        var ca = TestCertificates.CreateCa();
        await using var server = await StartAsync(ca, requireClients: true);
        var (clientCert, clientKey) = ca.Client(s_machine.MachineId);
        var (omaha, _) = Clients(ca, server, $"KEELSON_SERVER_CA={ca.CaFile}\nKEELSON_CLIENT_CERT={clientCert}\nKEELSON_CLIENT_KEY={clientKey}\n");

        var result = await omaha.CheckAsync(s_machine, "stable", "", rolledBack: false, interactive: true, CancellationToken.None);

        Assert.False(result.UpdateAvailable);
    }

    [Fact]
    public async Task An_update_server_with_a_certificate_of_another_CA_is_refused_naming_the_issuer_and_KEELSON_SERVER_CA()
    {
        var ca = TestCertificates.CreateCa();
        var other = TestCertificates.CreateCa("other", ca.Directory);
        await using var server = await StartAsync(other, requireClients: false);
        var (omaha, _) = Clients(ca, server, $"KEELSON_SERVER_CA={ca.CaFile}\n");

        var e = await Assert.ThrowsAsync<UpdateEngineException>(() =>
            omaha.CheckAsync(s_machine, "stable", "", rolledBack: false, interactive: true, CancellationToken.None));

        Assert.Equal(
            $"cannot reach the update server at {server.BaseUrl}v1/update/: the server's certificate is refused: the certificate 'CN=server' is issued by 'CN=Keelson other CA', "
            + $"which is not a CA the system trusts nor the CA in {ca.CaFile} (KEELSON_SERVER_CA)",
            e.Message);
    }

    [Fact]
    public async Task The_FleetLock_client_takes_and_releases_a_slot_over_mTLS()
    {
        var ca = TestCertificates.CreateCa();
        await using var server = await StartAsync(ca, requireClients: true);
        var (clientCert, clientKey) = ca.Client(s_machine.MachineId);
        var (_, fleetLock) = Clients(ca, server, $"KEELSON_SERVER_CA={ca.CaFile}\nKEELSON_CLIENT_CERT={clientCert}\nKEELSON_CLIENT_KEY={clientKey}\n");

        Assert.True((await fleetLock.LockAsync(s_machine.MachineId, CancellationToken.None)).Acquired);
        await fleetLock.UnlockAsync(s_machine.MachineId, CancellationToken.None);
    }

    [Fact]
    public async Task The_FleetLock_client_without_a_client_certificate_says_the_server_requires_one()
    {
        var ca = TestCertificates.CreateCa();
        await using var server = await StartAsync(ca, requireClients: true);
        var (_, fleetLock) = Clients(ca, server, $"KEELSON_SERVER_CA={ca.CaFile}\n");

        var e = await Assert.ThrowsAsync<RebootLockException>(() => fleetLock.LockAsync(s_machine.MachineId, CancellationToken.None));

        Assert.Contains("it requires a client certificate, and none was given (set KEELSON_CLIENT_CERT and KEELSON_CLIENT_KEY)", e.Message);
    }

    private static Task<TestServer> StartAsync(TestCertificates ca, bool requireClients)
    {
        var (cert, key) = ca.Server();
        return TestServer.StartAsync(options =>
        {
            options.Listen.Clear();
            options.Listen.Add(new Uri("https://127.0.0.1:0"));
            options.Tls = new ServerTlsSettings(cert, key, requireClients ? ca.CaFile : null);
        });
    }

    /// <summary>The agent's Omaha and FleetLock clients as update.conf (with <paramref name="tlsLines"/>) sets them up.</summary>
    private static (OmahaClient Omaha, FleetLockClient FleetLock) Clients(TestCertificates ca, TestServer server, string tlsLines)
    {
        var conf = Path.Combine(ca.Directory, "update.conf");
        File.WriteAllText(conf, $"GROUP=stable\nSERVER={server.BaseUrl}v1/update/\nREBOOT_STRATEGY=fleetlock\nKEELSON_FLEETLOCK_URL={server.BaseUrl}\n{tlsLines}");
        var config = UpdateConfigReader.Read([conf]);
        var tls = ClientTls.Load(config.Tls);
        var http = AgentHttp.Create(tls);
        return (new OmahaClient(http, config.Server!, tls), new FleetLockClient(http, config.Locks.FleetLockUrl!, config.Locks.FleetLockGroup, tls));
    }
}
