using System.Net.Http.Headers;
using System.Net.Http.Json;
using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Agent.Simulation;
using Keelson.Disks;
using Keelson.Disks.Boot;
using Keelson.Payloads;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Agent.Tests.Engine;

/// <summary>
/// One machine's world for the engine: a real update service on a loopback port, a machine whose disk is a real
/// GPT image with 1.0.0 in USR-A, a fake host and (optionally) a fake boot backend, and a fake clock for the agent.
/// </summary>
internal sealed class EngineWorld : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _directory;
    private CancellationTokenSource? _stop;

    private EngineWorld(DirectoryInfo directory, TestServer server, PayloadSigningKey key, SimulatedMachine machine)
    {
        _directory = directory;
        Server = server;
        Key = key;
        Machine = machine;
        Host = new FakeHost(machine);
    }

    public TestServer Server { get; }

    public PayloadSigningKey Key { get; }

    public SimulatedMachine Machine { get; }

    public FakeHost Host { get; }

    /// <summary>The boot backend the agent gets; null for the real gptprio backend on the machine's disk.</summary>
    public FakeBootBackend? Backend { get; set; }

    /// <summary>The agent's clock: Monday 2026-11-23 12:00 UTC.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    public RecordingLogger Log { get; } = new();

    public UpdateAgent Agent { get; private set; } = null!;

    public Task<AgentExit> Run { get; private set; } = null!;

    public Uri OmahaUrl => new(Server.BaseUrl, "/v1/update/");

    public static async Task<EngineWorld> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("keelson-engine-");
        var server = await TestServer.StartAsync();
        var key = PayloadSigningKey.Generate();
        var pub = Path.Combine(directory.FullName, "trusted.pub");
        await File.WriteAllTextAsync(pub, key.PublicKey.ExportPem());
        var machine = await SimulatedMachine.CreateAsync(
            Path.Combine(directory.FullName, "m1"), await TestUsrImages.CreateAsync(directory.FullName, "1.0.0"), server.BaseUrl, "alpha", pub, null,
            RebootStrategy.Reboot, [], CancellationToken.None);
        return new EngineWorld(directory, server, key, machine);
    }

    /// <summary>Adds settings to update.conf (later lines win).</summary>
    public Task ConfigureAsync(params string[] settings) =>
        File.AppendAllTextAsync(Machine.ConfigPath, string.Concat(settings.Select(s => s + "\n")));

    /// <summary>Publishes a payload of the image of <paramref name="imageVersion"/> (signed with <paramref name="key"/>) as <paramref name="version"/> on alpha.</summary>
    /// <returns>The payload's bytes.</returns>
    public async Task<byte[]> PublishAsync(string version, string? imageVersion = null, PayloadSigningKey? key = null, bool withKernel = false)
    {
        var image = await TestUsrImages.CreateAsync(_directory.FullName, imageVersion ?? version, withKernel);
        var payload = Path.Combine(_directory.FullName, $"{version}-{Guid.NewGuid():N}.kpay");
        await PayloadCreator.CreateAsync(new PayloadCreateOptions { ImagePath = image, Version = imageVersion ?? version, Key = key ?? Key }, payload);
        var bytes = await File.ReadAllBytesAsync(payload);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await Server.Http.PostAsync($"{Server.AppPath}/packages?version={version}&name=keelson_update.kpay", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await Server.SetChannelAsync("alpha", version);
        return bytes;
    }

    /// <summary>Publishes <paramref name="version"/> as a payload held at <paramref name="url"/>, which the test decides about.</summary>
    public async Task PublishExternalAsync(string version, Uri url, long size)
    {
        var response = await Server.Http.PostAsJsonAsync(
            $"{Server.AppPath}/packages", new ExternalPackageRequest(version, url.ToString(), size, Convert.ToBase64String(new byte[20]), Convert.ToBase64String(new byte[32])));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await Server.SetChannelAsync("alpha", version);
    }

    /// <summary>Starts the agent: first check a minute after start, health checks at once unless told.</summary>
    public UpdateAgent Start(TimeSpan? healthCheckDelay = null)
    {
        _stop = new CancellationTokenSource();
        Agent = new UpdateAgent(
            new AgentOptions
            {
                ConfigPaths = [Machine.ConfigPath],
                RequiredConfigPaths = new HashSet<string> { Machine.ConfigPath },
                StateDirectory = Machine.StateDirectory,
                FirstCheckDelay = TimeSpan.FromMinutes(1),
                CheckInterval = TimeSpan.FromMinutes(45),
                HealthCheckDelay = healthCheckDelay ?? TimeSpan.Zero,
                LockRetry = TimeSpan.FromSeconds(5),
                LockRetryMax = TimeSpan.FromSeconds(20),
                RebootRetry = TimeSpan.FromMinutes(1),
                ControlSocket = false,
                ReloadOnSighup = false,
                OpenBootBackend = (kind, disk, esp) => Backend is { } fake ? fake : BootBackends.Open(kind, disk, esp),
            },
            Host,
            new HttpClient(),
            Time,
            Log);
        Run = Agent.RunAsync(_stop.Token);
        return Agent;
    }

    /// <summary>Waits (real time, with a deadline) until the engine's published state satisfies <paramref name="condition"/>.</summary>
    public async Task<EngineState> WaitForAsync(Func<EngineState, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (!condition(Agent.State))
        {
            if (Run.IsFaulted)
            {
                await Run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the engine never got {what}; it is {Agent.State}\n{string.Join("\n", Log.Lines)}");
            await Task.Delay(20);
        }

        return Agent.State;
    }

    /// <summary>Moves the fake clock on, a step at a time, until the engine's state satisfies <paramref name="condition"/>.</summary>
    public async Task<EngineState> AdvanceUntilAsync(Func<EngineState, bool> condition, string what, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (!condition(Agent.State))
        {
            if (Run.IsFaulted)
            {
                await Run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the engine never got {what}; it is {Agent.State}\n{string.Join("\n", Log.Lines)}");
            Time.Advance(step);
            await Task.Delay(20);
        }

        return Agent.State;
    }

    /// <summary>The first check, due a minute after start: the clock moves until the engine has started checking (seen in its log).</summary>
    public Task<EngineState> FirstCheckAsync() =>
        AdvanceUntilAsync(_ => Log.States().Contains("checking"), "past its first check", TimeSpan.FromSeconds(30));

    public string Detail(string key) => Agent.Status.Details.Single(d => d.Key == key).Value;

    public async Task<UsrSlot> GptSlotAsync(UsrSlotName name)
    {
        using var disk = await GptDisk.OpenAsync(Machine.DiskPath);
        return disk.GetSlot(name);
    }

    public async Task<InstanceDetail> InstanceAsync() => await Server.InstanceAsync(Keelson.Agent.Host.MachineFiles.ReadMachineId(Machine.MachineIdPath));

    public async ValueTask DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            try
            {
                await Run;
            }
            catch (OperationCanceledException)
            {
                // Stopped, as asked.
            }

            _stop.Dispose();
        }

        await Server.DisposeAsync();
        Key.Dispose();
        _directory.Delete(recursive: true);
    }
}
