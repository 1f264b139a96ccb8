using System.CommandLine;
using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson group list | show | create | update | pause | resume | delete</c></summary>
internal static class GroupCommands
{
    public static Command Create() => AdminOptions.Group("group", "groups of machines and their rollout policy",
        List(), Show(), CreateGroup(), Update(), Toggle("pause", "stop offering updates to the group", "pause"),
        Toggle("resume", "offer updates again (also after safe mode halted the group)", "resume"), Delete());

    private static Command List()
    {
        var command = new Command("list", "list the groups and their policies");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var groups = await AdminOptions.Client(parse).GetAllPagesAsync<GroupInfo>(AdminOptions.AppPath(parse) + "/groups", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(groups);
                return;
            }

            output.Table(["GROUP", "CHANNEL", "VERSION", "UPDATES", "SAFE", "LIMIT", "WINDOWS", "RAMP"],
                groups.Select(g => (IReadOnlyList<string?>)[
                    g.Name, g.Channel, g.Version, g.UpdatesEnabled ? "enabled" : "paused", g.SafeMode ? "yes" : "no",
                    g.MaxUpdatesPerPeriod == 0 ? "none" : $"{g.MaxUpdatesPerPeriod}/{g.Period}",
                    g.Windows.Count == 0 ? "always" : string.Join("; ", g.Windows) + " " + g.TimeZone,
                    g.Ramp == "0" ? "none" : $"{g.Ramp} ({Percent(g.RolloutShare)})"]));
        }));
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("NAME") { Description = "the group's name" };
        var command = new Command("show", "show one group's policy and rollout") { name };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
            Print(parse, await AdminOptions.Client(parse).GetAsync<GroupInfo>(GroupPath(parse, parse.GetValue(name)!), ct))));
        return command;
    }

    private static Command CreateGroup()
    {
        var name = new Argument<string>("NAME") { Description = "the group's name" };
        var policy = new PolicyOptions();
        var command = new Command("create", "create a group following a channel") { name };
        policy.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetResult(policy.Channel) is null)
            {
                result.AddError("--channel is required");
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
            Print(parse, await AdminOptions.Client(parse).SendJsonAsync<GroupInfo>(HttpMethod.Post, AdminOptions.AppPath(parse) + "/groups",
                policy.ToRequest(parse, parse.GetValue(name)), ct))));
        return command;
    }

    private static Command Update()
    {
        var name = new Argument<string>("NAME") { Description = "the group's name" };
        var policy = new PolicyOptions();
        var command = new Command("update", "change a group's channel or policy; options not given keep their value") { name };
        policy.AddTo(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
            Print(parse, await AdminOptions.Client(parse).SendJsonAsync<GroupInfo>(HttpMethod.Patch, GroupPath(parse, parse.GetValue(name)!),
                policy.ToRequest(parse, null), ct))));
        return command;
    }

    private static Command Toggle(string verb, string description, string action)
    {
        var name = new Argument<string>("NAME") { Description = "the group's name" };
        var command = new Command(verb, description) { name };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
            Print(parse, await AdminOptions.Client(parse).SendJsonAsync<GroupInfo>(HttpMethod.Post,
                $"{GroupPath(parse, parse.GetValue(name)!)}/{action}", null, ct))));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("NAME") { Description = "the group to delete" };
        var force = new Option<bool>("--force")
        {
            Description = "delete it with its machines: each is held back at its next check until a group or channel named like its track exists",
        };
        return DeleteCommand.Create("delete a group; one with machines in it only with --force", name,
            parse => GroupPath(parse, parse.GetValue(name)!) + (parse.GetValue(force) ? "?force=true" : ""), force);
    }

    private static string GroupPath(ParseResult parse, string name) => $"{AdminOptions.AppPath(parse)}/groups/{Uri.EscapeDataString(name)}";

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static void Print(ParseResult parse, GroupInfo g)
    {
        var output = AdminOptions.Output(parse);
        if (parse.GetValue(AdminOptions.Json))
        {
            output.Json(g);
            return;
        }

        output.Fields([
            ("group", g.Name), ("channel", g.Channel), ("version", g.Version),
            ("updates", g.UpdatesEnabled ? "enabled" : $"paused: {g.PausedReason}"),
            ("safe mode", g.SafeMode ? "on" : "off"),
            ("rate limit", g.MaxUpdatesPerPeriod == 0 ? "none" : $"{g.MaxUpdatesPerPeriod} per {g.Period}"),
            ("update timeout", g.UpdateTimeout),
            ("windows", g.Windows.Count == 0 ? "always open" : string.Join("; ", g.Windows)),
            ("time zone", g.TimeZone),
            ("ramp", g.Ramp == "0" ? "none" : $"{g.Ramp}, now at {Percent(g.RolloutShare)}"),
            ("rollout started", Format.TimeAndAge(g.RolloutStartedAt, TimeProvider.System.GetUtcNow())),
        ]);
    }

    /// <summary>The policy flags shared by create and update.</summary>
    private sealed class PolicyOptions
    {
        public Option<string> Channel { get; } = new("--channel") { Description = "channel the group follows" };
        private readonly Option<bool?> _safeMode = new("--safe-mode") { Description = "true: one machine first; a failure halts the group", HelpName = "true|false" };
        private readonly Option<int?> _maxUpdates = new("--max-updates") { Description = "at most N updates granted per period (0: no limit)" };
        private readonly Option<string> _period = new("--period") { Description = "the rate limit's period, e.g. 1h" };
        private readonly Option<string> _timeout = new("--update-timeout") { Description = "a granted update not finished after this no longer counts as in progress" };
        private readonly Option<string[]> _windows = new("--window")
        {
            Description = "maintenance window, e.g. 'Mon-Fri 09:00 8h' (repeatable; updates only inside a window)",
            AllowMultipleArgumentsPerToken = false,
        };
        private readonly Option<bool> _clearWindows = new("--no-windows") { Description = "remove all maintenance windows" };
        private readonly Option<string> _timeZone = new("--time-zone") { Description = "IANA time zone of the windows, e.g. Europe/Berlin" };
        private readonly Option<string> _ramp = new("--ramp") { Description = "grow the share of eligible machines linearly over this duration (0: off)" };

        public void AddTo(Command command)
        {
            _period.Validators.Add(r => CliParsing.ValidateDuration(r, "--period"));
            _timeout.Validators.Add(r => CliParsing.ValidateDuration(r, "--update-timeout"));
            _ramp.Validators.Add(r => CliParsing.ValidateDuration(r, "--ramp"));
            foreach (var option in new Option[] { Channel, _safeMode, _maxUpdates, _period, _timeout, _windows, _clearWindows, _timeZone, _ramp })
            {
                command.Options.Add(option);
            }
        }

        public GroupRequest ToRequest(ParseResult parse, string? name) => new(
            Name: name,
            Channel: parse.GetValue(Channel),
            SafeMode: parse.GetValue(_safeMode),
            MaxUpdatesPerPeriod: parse.GetValue(_maxUpdates),
            Period: parse.GetValue(_period),
            UpdateTimeout: parse.GetValue(_timeout),
            Windows: parse.GetValue(_clearWindows) ? [] : parse.GetValue(_windows) is { Length: > 0 } windows ? windows : null,
            TimeZone: parse.GetValue(_timeZone),
            Ramp: parse.GetValue(_ramp));
    }
}
