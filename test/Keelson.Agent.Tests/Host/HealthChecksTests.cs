using Keelson.Agent.Host;

namespace Keelson.Agent.Tests.Host;

public sealed class HealthChecksTests
{
    [Fact]
    public async Task A_boot_is_healthy_when_every_check_exits_0()
    {
        var report = await HealthChecks.RunAsync(["true", "test -d /"], TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.True(report.Healthy);
        Assert.Equal("healthy", report.ToString());
    }

    [Fact]
    public async Task Each_failing_check_is_named_with_its_exit_code_and_what_it_said()
    {
        var report = await HealthChecks.RunAsync(["true", "echo 'etcd is down' >&2; exit 3", "exit 1"], TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.False(report.Healthy);
        Assert.Equal(["'echo 'etcd is down' >&2; exit 3' exited 3: etcd is down", "'exit 1' exited 1"], report.Failures);
    }

    [Fact]
    public async Task A_check_that_hangs_fails_at_its_deadline()
    {
        var report = await HealthChecks.RunAsync(["sleep 30"], TimeSpan.FromMilliseconds(300), CancellationToken.None);

        Assert.Contains("did not finish within", Assert.Single(report.Failures), StringComparison.Ordinal);
    }
}
