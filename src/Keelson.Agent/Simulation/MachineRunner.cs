using Keelson.Agent.Engine;
using Microsoft.Extensions.Logging;

namespace Keelson.Agent.Simulation;

/// <summary>
/// Runs a <see cref="SimulatedMachine"/>: boots it, runs the agent on it, and when the agent reboots, stops it and
/// boots again - until the machine runs the wanted version (its boot marked good and reported), has booted the
/// wanted number of times, or the time is up.
/// </summary>
public sealed class MachineRunner(SimulatedMachine machine, HttpClient http, ILoggerFactory loggers, TextWriter output)
{
    /// <summary>How a run ended.</summary>
    public sealed record Outcome(bool Reached, string Version, string Slot, int Boots, string Why);

    /// <summary>
    /// How long the machine is down between the agent's reboot and the next boot; none by default. A real reboot
    /// takes a while, and a reboot slot is held all that time: a fleet shown to people needs that to be seen.
    /// </summary>
    public TimeSpan RebootDowntime { get; init; } = TimeSpan.Zero;

    /// <param name="checkInterval">The agent's first-check delay and check interval.</param>
    /// <param name="untilVersion">Stop once the machine runs this version, marked good and reported.</param>
    /// <param name="boots">Stop once this many boots (of this run) are done: settled and checked.</param>
    /// <param name="timeout">Give up after this long; the outcome then says where the machine is.</param>
    public async Task<Outcome> RunAsync(TimeSpan checkInterval, string? untilVersion, int? boots, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Between two boots no agent listens for SIGHUP; it must not end the machine then.
        using var hangup = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGHUP, context => context.Cancel = true);
        var booted = 0;
        var version = "";
        var slot = "";
        try
        {
            SimulatedReboot? reboot = null;
            while (true)
            {
                var boot = await machine.BootAsync(deadline.Token, reboot is { Kexec: true } kexec ? kexec.Slot : null);
                booted++;
                var release = await machine.ReadReleaseAsync(boot.Slot, deadline.Token);
                (version, slot) = (release.Version, boot.Slot.ToString());
                await output.WriteLineAsync($"boot {boot.Count}: USR-{boot.Slot} runs {release.Version}");

                var host = new SimulatedHost(machine);
                var agent = new UpdateAgent(
                    new AgentOptions
                    {
                        ConfigPaths = [machine.ConfigPath],
                        RequiredConfigPaths = new HashSet<string> { machine.ConfigPath },
                        StateDirectory = machine.StateDirectory,
                        FirstCheckDelay = checkInterval,
                        CheckInterval = checkInterval,
                        HealthCheckDelay = TimeSpan.Zero,
                        // A simulation's time runs at the pace of its check interval, the reboot lock's retries too.
                        LockRetry = Min(RebootCoordinator.DefaultFirstBackoff, checkInterval),
                        LockRetryMax = Min(RebootCoordinator.DefaultMaxBackoff, checkInterval * 5),
                        ReloadOnSighup = true,
                    },
                    host,
                    http,
                    TimeProvider.System,
                    loggers.CreateLogger("keelson.agent"));
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                var run = agent.RunAsync(stop.Token);
                var done = DoneAsync(agent, stop.Token);
                var first = await Task.WhenAny(run, done, host.RebootRequested);
                if (first == done && await done)
                {
                    var good = await agent.BootSettled;
                    if (untilVersion is not null && good && agent.RunningVersion == untilVersion)
                    {
                        await StopAsync(stop, run);
                        return new Outcome(true, version, slot, booted, $"the machine runs {version} on USR-{slot}, marked good");
                    }

                    if (boots is { } wanted && booted >= wanted)
                    {
                        await StopAsync(stop, run);
                        return new Outcome(untilVersion is null, version, slot, booted, $"{booted} boots done; the machine runs {version} on USR-{slot}");
                    }

                    first = await Task.WhenAny(run, host.RebootRequested);
                }

                // An agent that reboots also returns: its run can be seen to end before the reboot request it made
                // (whose continuations run asynchronously), so the request decides, not which task won the race.
                if (first == run && !host.RebootRequested.IsCompleted)
                {
                    // The agent ended without a reboot: a failure, or it was stopped.
                    await run;
                    return new Outcome(false, version, slot, booted, "the agent stopped");
                }

                reboot = await host.RebootRequested;
                await StopAsync(stop, run);
                await output.WriteLineAsync(reboot.Kexec
                    ? $"reboot: the agent started USR-{reboot.Slot}'s kernel (kexec)"
                    : $"reboot: the agent asked for a reboot (USR-{reboot.Slot} is expected next)");
                if (RebootDowntime > TimeSpan.Zero)
                {
                    await Task.Delay(RebootDowntime, deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(false, version, slot, booted, $"timed out after {timeout.TotalSeconds:0} s; the machine runs {version} on USR-{slot}");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>True once the boot is settled and its first check done.</summary>
    private static async Task<bool> DoneAsync(UpdateAgent agent, CancellationToken cancellationToken)
    {
        await agent.BootSettled.WaitAsync(cancellationToken);
        await agent.FirstCheckDone.WaitAsync(cancellationToken);
        return true;
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task<AgentExit> run)
    {
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
            // Stopped, as asked.
        }
    }
}
