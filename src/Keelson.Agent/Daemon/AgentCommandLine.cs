using System.CommandLine;
using System.Globalization;
using Keelson.Agent.Configuration;
using Keelson.Agent.Engine;
using Keelson.Agent.Host;
using Keelson.Coordination;

namespace Keelson.Agent.Daemon;

/// <summary>
/// The agent daemon's command line, one definition for <c>keelson agent</c> and <c>keelson-agent</c>: the same
/// options, parsed the same way, run by <see cref="AgentDaemon"/>; and the control commands both offer.
/// </summary>
public sealed class AgentCommandLine
{
    public const string DefaultStateDirectory = "/var/lib/keelson";

    public Option<string[]> Config { get; } = new("--config")
    {
        Description = "update.conf to read instead of /usr/share/coreos/update.conf then /etc/coreos/update.conf (repeatable, read in order)",
    };

    public Option<string> Disk { get; } = new("--disk") { Description = "the disk holding the usr slots (default: the disk the kernel booted /usr from)" };

    public Option<string> Root { get; } = new("--root")
    {
        Description = "read the machine's own files (/proc/cmdline, /etc/machine-id, /usr/share/coreos/release...) under this directory instead of / (images, tests)",
        DefaultValueFactory = _ => "/",
    };

    public Option<string> StateDirectory { get; } = StateDirectoryOption();

    public Option<string> FirstCheck { get; } = DurationOption("--first-check", "the first update check this long after start", "7m");

    public Option<string> CheckInterval { get; } = DurationOption("--check-interval", "check for updates this often (with a ninth of fuzz either way)", "45m");

    public Option<string> HealthDelay { get; } = DurationOption("--health-delay", "check a new boot's health this long after start", "45s", allowZero: true);

    /// <summary>Adds the daemon's options to <paramref name="command"/> and makes running it run the daemon.</summary>
    public void AttachTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in (Option[])[Config, Disk, Root, StateDirectory, FirstCheck, CheckInterval, HealthDelay])
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => AgentDaemon.RunAsync(
            ToAgentOptions(parse), new LinuxHost(parse.GetValue(Disk), parse.GetValue(Root)!), parse.InvocationConfiguration.Error, ct));
    }

    /// <summary>The agent's options from a command line these options parsed (their validators have accepted it).</summary>
    public AgentOptions ToAgentOptions(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var paths = parse.GetValue(Config) is { Length: > 0 } given ? given : null;
        return new AgentOptions
        {
            ConfigPaths = paths ?? UpdateConfig.DefaultPaths,
            RequiredConfigPaths = new HashSet<string>(paths ?? [], StringComparer.Ordinal),
            StateDirectory = parse.GetValue(StateDirectory)!,
            FirstCheckDelay = Duration(parse.GetValue(FirstCheck)),
            CheckInterval = Duration(parse.GetValue(CheckInterval)),
            HealthCheckDelay = Duration(parse.GetValue(HealthDelay)),
        };
    }

    public static Option<string> StateDirectoryOption() => new("--state-dir")
    {
        Description = "the agent's state directory (its state, status and control socket)",
        DefaultValueFactory = _ => DefaultStateDirectory,
    };

    /// <summary>
    /// A duration option (<c>90s</c>, <c>30m</c>, <c>1h30m</c>) that must be positive, or may also be 0 with
    /// <paramref name="allowZero"/>; anything else is a usage error naming the option.
    /// </summary>
    public static Option<string> DurationOption(string name, string description, string defaultValue, bool allowZero = false)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (text is not null && !(GoDuration.TryParse(text, out var duration) && (duration > TimeSpan.Zero || (allowZero && duration == TimeSpan.Zero))))
            {
                result.AddError($"{name} '{text}' is not a {(allowZero ? "" : "positive ")}duration such as 2s, 90s, 30m or 168h");
            }
        });
        return option;
    }

    /// <summary>The value of a <see cref="DurationOption"/>, which its validator has already accepted.</summary>
    public static TimeSpan Duration(string? text) =>
        GoDuration.TryParse(text, out var duration) && duration >= TimeSpan.Zero
            ? duration
            : throw new ArgumentException($"'{text}' is not a duration", nameof(text));

    /// <summary><c>check</c>, <c>mark-good</c> and <c>rollback</c>: commands sent to the running agent over its control socket.</summary>
    public static IEnumerable<Command> ControlCommands() =>
    [
        ControlCommand("check", "check for an update now"),
        ControlCommand("mark-good", "mark the booted slot good now (successful, top priority), without waiting for the health checks"),
        ControlCommand("rollback", "make the other slot boot next and reboot into it"),
    ];

    /// <summary>
    /// <c>status</c> as <c>keelson-agent</c> prints it: the agent's status lines exactly as it gives them (times in
    /// Unix seconds), or with the agent stopped the status it saved last, saying so on stderr. Exit 1 when there is none.
    /// </summary>
    public static Command StatusCommand()
    {
        var stateDirectory = StateDirectoryOption();
        var command = new Command("status", "print the agent's status (update_engine_client's lines, then Keelson's); with the agent stopped, the status it saved last")
        {
            stateDirectory,
        };
        command.SetAction(async (parse, ct) =>
        {
            StatusReading reading;
            try
            {
                reading = await AgentControl.ReadStatusAsync(parse.GetValue(stateDirectory)!, ct);
            }
            catch (UpdateEngineException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
                return DaemonExitCodes.Failed;
            }

            if (reading.SavedAt is { } savedAt)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"the agent is not running; this is the status it saved last, at {savedAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}, in {reading.From}");
            }

            await parse.InvocationConfiguration.Output.WriteAsync(reading.Text);
            return DaemonExitCodes.Success;
        });
        return command;
    }

    private static Command ControlCommand(string name, string description)
    {
        var stateDirectory = StateDirectoryOption();
        var command = new Command(name, description) { stateDirectory };
        command.SetAction((parse, ct) => AgentControl.SendAsync(
            parse.GetValue(stateDirectory)!, name, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }
}
