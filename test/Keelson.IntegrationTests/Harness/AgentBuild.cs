using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// keelson-agent as a machine gets it: published with NativeAOT by <c>tools/build-agent</c> into the checkout's
/// <c>.keelson/agent/</c>, once per test run (about a minute and a half when a source changed, nothing otherwise).
/// </summary>
public sealed class AgentBuild : IAsyncLifetime
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(10);

    private readonly IMessageSink _log;

    public AgentBuild(IMessageSink log) => _log = log;

    /// <summary>The native keelson-agent executable.</summary>
    public string Program { get; private set; } = "";

    /// <summary>tools/build-agent itself.</summary>
    public string Script { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var checkout = typeof(AgentBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "KeelsonCheckout")?.Value
            ?? throw new InvalidOperationException("the test assembly does not say where the checkout is (KeelsonCheckout)");
        Script = Path.Combine(checkout, "tools", "build-agent");
        var started = Stopwatch.GetTimestamp();
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(Script, [], checkout), s_buildTimeout);
        if (result.ExitCode != 0)
        {
            throw new XunitException($"tools/build-agent failed:\n{result}");
        }

        Program = result.StandardOutput.Trim();
        _log.OnMessage(new DiagnosticMessage($"tools/build-agent: {Program} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
        if (!File.Exists(Program))
        {
            throw new XunitException($"tools/build-agent printed '{Program}', which is not a file:\n{result}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
