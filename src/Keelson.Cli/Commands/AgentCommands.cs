using System.CommandLine;
using Keelson.Agent;
using Keelson.Agent.Daemon;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Cli.Output;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson agent</c>: the update agent of a real machine (the daemon), and <c>status</c>, <c>check</c>,
/// <c>mark-good</c>, <c>rollback</c>, which talk to it over its root-only control socket.
/// </summary>
internal static class AgentCommands
{
    public static Command Create()
    {
        var command = new Command("agent", "the update agent (update_engine): checks, downloads, installs into the passive slot, reboots, marks boots good");
        // The daemon is the same code as keelson-agent's: the same options, log and exit codes.
        new AgentCommandLine().AttachTo(command);
        command.Subcommands.Add(StatusCommand());
        foreach (var control in AgentCommandLine.ControlCommands())
        {
            command.Subcommands.Add(control);
        }

        return command;
    }

    /// <summary>
    /// <c>keelson agent status</c>: the running agent's status, or with the agent stopped the status it saved last
    /// (saying so, and since when). update_engine_client's lines stay as it prints them (LAST_CHECKED_TIME in Unix
    /// seconds); Keelson's own lines show times for a person; <c>--json</c> has the exact values. Exit 0 with a
    /// status, 1 when the agent is not running and saved none (naming where it looked).
    /// </summary>
    private static Command StatusCommand()
    {
        var stateDir = AgentCommandLine.StateDirectoryOption();
        var json = new Option<bool>("--json") { Description = "print JSON, with exact times" };
        var command = new Command("status", "print the agent's status (update_engine_client's lines, then Keelson's); with the agent stopped, the status it saved last")
        {
            stateDir, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            StatusReading reading;
            try
            {
                reading = await AgentControl.ReadStatusAsync(parse.GetValue(stateDir)!, ct);
            }
            catch (UpdateEngineException e)
            {
                throw new CliException(e.Message);
            }

            var status = Parse(reading.Text, reading.From);
            var now = DateTimeOffset.UtcNow;
            var stopped = status.TimeDetail(AgentStatus.StoppedDetail);
            var statusFile = new AgentStateStore(parse.GetValue(stateDir)!).StatusPath;
            if (parse.GetValue(json))
            {
                new ConsoleOutput(parse.InvocationConfiguration.Output).Json(new AgentStatusReport(
                    reading.Running, reading.Running ? null : stopped, reading.SavedAt, statusFile, status.LastChecked,
                    status.TimeDetail(AgentStatus.NextCheckDetail), status.Progress, AgentStatus.WireName(status.CurrentOperation),
                    status.NewVersion, status.NewSize, status.Details.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)));
                return;
            }

            string? agent = null;
            if (reading.SavedAt is { } savedAt)
            {
                agent = stopped is { } at
                    ? $"not running since {Format.TimeAndAge(at, now)}"
                    : $"not running; it last saved its status {Format.TimeAndAge(savedAt, now)}";
                await parse.InvocationConfiguration.Error.WriteLineAsync($"the agent is {agent}; this is the status it saved last, in {statusFile}");
            }

            await parse.InvocationConfiguration.Output.WriteAsync(ForPeople(status, now, agent).Format());
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

    /// <summary><c>keelson agent status --json</c>: exact values; times as ISO 8601.</summary>
    private sealed record AgentStatusReport(
        bool Running, DateTimeOffset? StoppedAt, DateTimeOffset? StatusSavedAt, string StatusFile, DateTimeOffset? LastChecked,
        DateTimeOffset? NextCheck, double Progress, string CurrentOperation, string NewVersion, long NewSize,
        IReadOnlyDictionary<string, string> Details);
}
