using System.CommandLine;
using Keelson.Agent;
using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Agent.Host;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Microsoft.Extensions.Logging;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson agent</c>: the update agent of a real machine (the daemon), and <c>status</c>, <c>check</c>,
/// <c>mark-good</c>, <c>rollback</c>, which talk to it over its root-only control socket.
/// </summary>
internal static class AgentCommands
{
    public const string DefaultStateDirectory = "/var/lib/keelson";

    public static Command Create()
    {
        var config = new Option<string[]>("--config")
        {
            Description = "update.conf to read instead of /usr/share/coreos/update.conf then /etc/coreos/update.conf (repeatable, read in order)",
        };
        var disk = new Option<string>("--disk") { Description = "the disk holding the usr slots (default: the disk the kernel booted /usr from)" };
        var stateDir = StateDirectoryOption();
        var firstCheck = CliParsing.DurationOption("--first-check", "the first update check this long after start", "7m");
        var interval = CliParsing.DurationOption("--check-interval", "check for updates this often (with a ninth of fuzz either way)", "45m");
        var healthDelay = CliParsing.DurationOption("--health-delay", "check a new boot's health this long after start", "45s", allowZero: true);

        var command = new Command("agent", "the update agent (update_engine): checks, downloads, installs into the passive slot, reboots, marks boots good")
        {
            config, disk, stateDir, firstCheck, interval, healthDelay,
        };
        command.Subcommands.Add(ControlCommand("status", "print the agent's status (update_engine_client's format)"));
        command.Subcommands.Add(ControlCommand("check", "check for an update now"));
        command.Subcommands.Add(ControlCommand("mark-good", "mark the booted slot good now (successful, top priority), without waiting for the health checks"));
        command.Subcommands.Add(ControlCommand("rollback", "make the other slot boot next and reboot into it"));
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var paths = parse.GetValue(config) is { Length: > 0 } given ? given : null;
            var options = new AgentOptions
            {
                ConfigPaths = paths ?? UpdateConfig.DefaultPaths,
                RequiredConfigPaths = new HashSet<string>(paths ?? []),
                StateDirectory = parse.GetValue(stateDir)!,
                FirstCheckDelay = CliParsing.Duration(parse.GetValue(firstCheck)),
                CheckInterval = CliParsing.Duration(parse.GetValue(interval)),
                HealthCheckDelay = CliParsing.Duration(parse.GetValue(healthDelay)),
            };
            using var loggers = Loggers(toStandardError: true);
            using var http = AgentHttp();
            var agent = new UpdateAgent(options, new LinuxHost(parse.GetValue(disk)), http, TimeProvider.System, loggers.CreateLogger("keelson.agent"));
            AgentExit exit;
            try
            {
                exit = await agent.RunAsync(ct);
            }
            catch (UpdateConfigException e)
            {
                throw new CliException($"bad configuration: {e.Message}");
            }
            catch (UpdateEngineException e)
            {
                throw new CliException(e.Message);
            }

            if (exit == AgentExit.Rebooting)
            {
                // The reboot command has been started; wait to be stopped by it.
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }
        }));
        return command;
    }

    /// <summary>The agent's logger: single lines on stderr (the daemon's journal) or stdout (a simulated machine's console).</summary>
    public static ILoggerFactory Loggers(bool toStandardError) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
        })
        .AddFilter("System.Net.Http", LogLevel.Warning)
        .AddConsole(options => options.LogToStandardErrorThreshold = toStandardError ? LogLevel.Trace : LogLevel.None));

    public static HttpClient AgentHttp() => new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) })
    {
        // Omaha exchanges are small; downloads read their body after the headers, outside this timeout.
        Timeout = TimeSpan.FromMinutes(2),
    };

    public static Option<string> StateDirectoryOption() => new("--state-dir")
    {
        Description = "the agent's state directory (its state, status and control socket)",
        DefaultValueFactory = _ => DefaultStateDirectory,
    };

    private static Command ControlCommand(string name, string description)
    {
        var stateDir = StateDirectoryOption();
        var command = new Command(name, description) { stateDir };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var socket = new AgentStateStore(parse.GetValue(stateDir)!).SocketPath;
            ControlReply reply;
            try
            {
                reply = await ControlSocket.SendAsync(socket, name, ct);
            }
            catch (UpdateEngineException e)
            {
                throw new CliException(e.Message);
            }

            var output = reply.ExitCode == 0 ? parse.InvocationConfiguration.Output : parse.InvocationConfiguration.Error;
            await output.WriteAsync(reply.ExitCode == 0 ? reply.Text : "error: " + reply.Text);
            return reply.ExitCode;
        }));
        return command;
    }
}
