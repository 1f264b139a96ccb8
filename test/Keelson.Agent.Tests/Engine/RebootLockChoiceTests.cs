using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Coordination.FleetLock;
using Keelson.Coordination.Locks;
using Keelson.IntegrationTests.Harness;

namespace Keelson.Agent.Tests.Engine;

public sealed class RebootLockChoiceTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-lockchoice-");
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _directory.Delete(recursive: true);
    }

    private UpdateConfig Config(string text)
    {
        var path = Path.Combine(_directory.FullName, "update.conf");
        File.WriteAllText(path, "SERVER=disabled\n" + text);
        return UpdateConfigReader.Read([path]);
    }

    private Task<RebootLockChoice> ChooseAsync(string conf) => RebootLockChoice.ChooseAsync(Config(conf), _http, CancellationToken.None);

    [Theory]
    [InlineData("reboot", RebootStrategy.Reboot)]
    [InlineData("off", RebootStrategy.Off)]
    public async Task Reboot_and_off_need_no_lock_and_say_why(string name, RebootStrategy strategy)
    {
        using var choice = await ChooseAsync($"REBOOT_STRATEGY={name}\nLOCKSMITHD_ENDPOINT=http://10.0.0.1:2379\n");

        Assert.Equal(strategy, choice.Strategy);
        Assert.Null(choice.Lock);
        Assert.Equal($"REBOOT_STRATEGY={name}", choice.Why);
    }

    [Fact]
    public async Task Fleetlock_asks_the_configured_server_for_the_configured_group()
    {
        using var choice = await ChooseAsync("REBOOT_STRATEGY=fleetlock\nKEELSON_FLEETLOCK_URL=https://fleetlock.example.com/base\nKEELSON_FLEETLOCK_GROUP=workers\n");

        Assert.Equal(RebootStrategy.FleetLock, choice.Strategy);
        var client = Assert.IsType<FleetLockClient>(choice.Lock);
        Assert.Equal("FleetLock group 'workers' at https://fleetlock.example.com/base", client.Description);
        Assert.Equal("REBOOT_STRATEGY=fleetlock", choice.Why);
    }

    [Fact]
    public async Task Etcd_lock_takes_the_semaphore_of_the_configured_endpoints_and_group()
    {
        using var choice = await ChooseAsync("REBOOT_STRATEGY=etcd-lock\nLOCKSMITHD_ENDPOINT=http://10.0.0.1:2379,http://10.0.0.2:2379\nLOCKSMITHD_GROUP=web\n");

        Assert.Equal(RebootStrategy.EtcdLock, choice.Strategy);
        var semaphore = Assert.IsType<EtcdSemaphore>(choice.Lock);
        Assert.Equal("etcd semaphore group 'web' at http://10.0.0.1:2379,http://10.0.0.2:2379", semaphore.Description);
        Assert.Equal(EtcdSemaphore.KeyFor("web"), semaphore.Key);
        Assert.Equal("REBOOT_STRATEGY=etcd-lock", choice.Why);
    }

    [Fact]
    public async Task Etcd_lock_without_an_endpoint_uses_the_local_default_and_the_default_group()
    {
        using var choice = await ChooseAsync("REBOOT_STRATEGY=etcd-lock\n");

        var semaphore = Assert.IsType<EtcdSemaphore>(choice.Lock);
        Assert.Equal("etcd semaphore group 'default' at http://127.0.0.1:2379", semaphore.Description);
        Assert.Equal(EtcdSemaphore.DefaultKey, semaphore.Key);
    }

    [Fact]
    public async Task Best_effort_with_an_etcd_endpoint_set_chooses_etcd_lock_and_says_why()
    {
        using var choice = await ChooseAsync("LOCKSMITHD_ENDPOINT=http://10.0.0.7:2379\n");

        Assert.Equal(RebootStrategy.EtcdLock, choice.Strategy);
        Assert.Equal("etcd semaphore group 'default' at http://10.0.0.7:2379", Assert.IsType<EtcdSemaphore>(choice.Lock).Description);
        Assert.Equal("best-effort: etcd-lock, because LOCKSMITHD_ENDPOINT is set", choice.Why);
    }

    [Fact]
    public async Task Best_effort_alone_reboots_when_no_etcd_answers_on_the_local_address()
    {
        var nothing = new Uri($"http://127.0.0.1:{LoopbackPorts.Next()}");

        using var choice = await RebootLockChoice.ChooseAsync(Config("REBOOT_STRATEGY=best-effort\n"), _http, CancellationToken.None, nothing);

        Assert.Equal(RebootStrategy.Reboot, choice.Strategy);
        Assert.Null(choice.Lock);
        Assert.Equal($"best-effort: reboot, because no etcd endpoint is configured and none answers at {nothing}", choice.Why);
    }

    [Fact]
    public async Task Best_effort_alone_takes_the_etcd_lock_when_etcd_answers_on_the_local_address()
    {
        await using var etcd = await EtcdCluster.StartStaticAsync(1);
        var local = etcd.Members[0].ClientUrl;

        using var choice = await RebootLockChoice.ChooseAsync(Config("REBOOT_STRATEGY=best-effort\n"), _http, CancellationToken.None, local);

        Assert.Equal(RebootStrategy.EtcdLock, choice.Strategy);
        Assert.IsType<EtcdSemaphore>(choice.Lock);
        Assert.Equal($"best-effort: etcd-lock, because etcd answers at {local}", choice.Why);
    }
}
