using System.Text.Json;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.BootTests.Harness;

/// <summary>
/// A real <c>keelson server</c> on a loopback port that QEMU guests reach as http://10.0.2.100/, its signing key,
/// releases published to it as payloads of the agent slot images, and machines (disks with keelson-agent) set up to
/// update from it. Disposing stops the server and deletes the folder.
/// </summary>
public sealed class GuestFleet : IAsyncDisposable
{
    /// <summary>The agent checks at once and then every few seconds, and looks at a new boot's health at once.</summary>
    public const string AgentArguments = "--first-check 1s --check-interval 10s --health-delay 0s";

    private readonly ITestOutputHelper _log;

    private GuestFleet(KeelsonProcess keelson, RunningServer server, ITestOutputHelper log)
    {
        Keelson = keelson;
        Server = server;
        _log = log;
    }

    public KeelsonProcess Keelson { get; }

    public RunningServer Server { get; }

    public static async Task<GuestFleet> StartAsync(ITestOutputHelper log)
    {
        var keelson = new KeelsonProcess(log);
        // Payload URLs must name the address the guest reaches the server at.
        var server = await keelson.StartServerAsync(extraArguments: ["--public-url", $"http://{QemuMachine.ServerAddress}/"]);
        await keelson.SucceedAsync("payload", "keygen", "--out", "sign.key");
        return new GuestFleet(keelson, server, log);
    }

    /// <summary>Publishes <paramref name="slotImage"/> as release <paramref name="version"/> and puts it on <paramref name="channel"/>.</summary>
    public async Task PublishAsync(string version, string slotImage, string channel = "alpha")
    {
        await Keelson.SucceedAsync("payload", "create", "--image", slotImage, "--version", version, "--key", "sign.key", "--out", $"{version}.kpay");
        await Keelson.SucceedAsync("package", "publish", "--version", version, "--file", $"{version}.kpay");
        await Keelson.SucceedAsync("channel", "set", channel, "--version", version);
    }

    /// <summary>A machine's disk for <paramref name="backend"/>: <paramref name="slotA"/> on USR-A, the agent updating from this server in <paramref name="group"/>.</summary>
    public Task<BootDisk> CreateMachineAsync(string name, string backend, string slotA, string group = "alpha") =>
        CreateMachineAsync(name, backend, slotA, group, extraConfig: "");

    /// <summary>A machine as above whose update.conf also says <paramref name="extraConfig"/> (lines such as <c>KEELSON_REBOOT_METHOD=kexec</c>).</summary>
    public async Task<BootDisk> CreateMachineAsync(string name, string backend, string slotA, string group, string extraConfig)
    {
        var image = await BootImages.MachineDiskAsync(backend, slotA, Keelson.PathOf(name),
            $"SERVER=http://{QemuMachine.ServerAddress}/v1/update/\nGROUP={group}\nREBOOT_STRATEGY=reboot\nKEELSON_TRUSTED_KEYS=/etc/keelson/trusted.pub\n{extraConfig}",
            Keelson.PathOf("sign.key.pub"), AgentArguments);
        return await BootDisk.CopyAsync(image, _log);
    }

    /// <summary>The server's view of a machine: <c>keelson instance show ID --json</c>.</summary>
    public async Task<JsonElement> InstanceAsync(BootDisk disk) =>
        JsonDocument.Parse((await Keelson.SucceedAsync("instance", "show", disk.Image.MachineId, "--json")).StandardOutput).RootElement;

    /// <summary>Polls the server until the machine's status is <paramref name="status"/>; fails with its last view past the deadline.</summary>
    public async Task<JsonElement> WaitForStatusAsync(BootDisk disk, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await Keelson.RunAsync("instance", "show", disk.Image.MachineId, "--json");
            if (result.ExitCode == 0)
            {
                var instance = JsonDocument.Parse(result.StandardOutput).RootElement;
                if (instance.GetProperty("instance").GetProperty("status").GetString() == status)
                {
                    return instance;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new XunitException($"the server never showed {disk.Image.MachineId} as {status} within {timeout.TotalSeconds:0}s; last:\n{result}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public ValueTask DisposeAsync() => Keelson.DisposeAsync();
}
