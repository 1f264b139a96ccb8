using System.CommandLine;
using Keelson.Agent;
using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Agent.Host;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Cli.Output;
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
        command.Subcommands.Add(StatusCommand());
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

    /// <summary>
    /// <c>keelson agent status</c>: the running agent's status, or with the agent stopped the status it saved last
    /// (saying so, and since when). update_engine_client's lines stay as it prints them (LAST_CHECKED_TIME in Unix
    /// seconds); Keelson's own lines show times for a person; <c>--json</c> has the exact values. Exit 0 with a
    /// status, 1 when the agent is not running and saved none (naming where it looked).
    /// </summary>
    private static Command StatusCommand()
    {
        var stateDir = StateDirectoryOption();
        var json = new Option<bool>("--json") { Description = "print JSON, with exact times" };
        var command = new Command("status", "print the agent's status (update_engine_client's lines, then Keelson's); with the agent stopped, the status it saved last")
        {
            stateDir, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var store = new AgentStateStore(parse.GetValue(stateDir)!);
            ControlReply? reply;
            try
            {
                reply = await ControlSocket.TrySendAsync(store.SocketPath, "status", ct);
            }
            catch (UpdateEngineException e)
            {
                throw new CliException(e.Message);
            }

            if (reply is { ExitCode: not 0 })
            {
                await parse.InvocationConfiguration.Error.WriteAsync("error: " + reply.Text);
                return reply.ExitCode;
            }

            var saved = reply is null ? ReadSavedStatus(store) : null;
            var status = Parse(reply?.Text ?? saved!.Value.Text, reply is null ? store.StatusPath : "the agent's answer");
            var now = DateTimeOffset.UtcNow;
            var stopped = status.TimeDetail(AgentStatus.StoppedDetail);
            if (parse.GetValue(json))
            {
                new ConsoleOutput(parse.InvocationConfiguration.Output).Json(new AgentStatusReport(
                    reply is not null, reply is null ? stopped : null, saved?.SavedAt, store.StatusPath, status.LastChecked,
                    status.TimeDetail(AgentStatus.NextCheckDetail), status.Progress, AgentStatus.WireName(status.CurrentOperation),
                    status.NewVersion, status.NewSize, status.Details.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)));
                return 0;
            }

            string? agent = null;
            if (reply is null)
            {
                agent = stopped is { } at
                    ? $"not running since {Format.TimeAndAge(at, now)}"
                    : $"not running; it last saved its status {Format.TimeAndAge(saved!.Value.SavedAt, now)}";
                await parse.InvocationConfiguration.Error.WriteLineAsync($"the agent is {agent}; this is the status it saved last, in {store.StatusPath}");
            }

            await parse.InvocationConfiguration.Output.WriteAsync(ForPeople(status, now, agent).Format());
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The status as a person reads it: update_engine_client's lines as they are (scripts parse them), Keelson's
    /// times in words with their age, and <paramref name="agent"/> (whether the agent runs) first when given.
    /// </summary>
    internal static AgentStatus ForPeople(AgentStatus status, DateTimeOffset now, string? agent = null)
    {
        var details = new List<KeyValuePair<string, string>>();
        if (agent is not null)
        {
            details.Add(new("AGENT", agent));
        }

        if (status.LastChecked is { } checkedAt)
        {
            details.Add(new("LAST_CHECKED", Format.TimeAndAge(checkedAt, now)!));
        }

        details.AddRange(status.Details.Select(d => AgentStatus.TimeDetails.Contains(d.Key) && status.TimeDetail(d.Key) is { } time
            ? new KeyValuePair<string, string>(d.Key, Format.TimeAndAge(time, now)!)
            : d));
        return status with { Details = details };
    }

    /// <summary>The status file a stopped agent left, and when it was written; exit 1 when there is none.</summary>
    private static (string Text, DateTimeOffset SavedAt)? ReadSavedStatus(AgentStateStore store)
    {
        try
        {
            return (File.ReadAllText(store.StatusPath), new DateTimeOffset(File.GetLastWriteTimeUtc(store.StatusPath), TimeSpan.Zero));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"the agent is not running (nothing listens at {store.SocketPath}) and has saved no status: there is no {store.StatusPath}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"the agent is not running (nothing listens at {store.SocketPath}), and its saved status cannot be read: {e.Message}");
        }
    }

    private static AgentStatus Parse(string text, string from)
    {
        try
        {
            return AgentStatus.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"{from} is not the agent's status: {e.Message}");
        }
    }

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

    /// <summary><c>keelson agent status --json</c>: exact values; times as ISO 8601.</summary>
    private sealed record AgentStatusReport(
        bool Running, DateTimeOffset? StoppedAt, DateTimeOffset? StatusSavedAt, string StatusFile, DateTimeOffset? LastChecked,
        DateTimeOffset? NextCheck, double Progress, string CurrentOperation, string NewVersion, long NewSize,
        IReadOnlyDictionary<string, string> Details);
}
