using System.CommandLine;
using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Updates;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson instance list | show</c></summary>
internal static class InstanceCommands
{
    public static Command Create() => AdminOptions.Group("instance", "machines as the server sees them", List(), Show());

    private static Command List()
    {
        var group = new Option<string>("--group") { Description = "only machines of this group" };
        var status = CliParsing.AcceptOnly(
            new Option<string>("--status") { Description = $"only machines with this status: {string.Join(", ", InstanceStatus.All)}", HelpName = "status" },
            InstanceStatus.All);
        var version = new Option<string>("--version") { Description = "only machines running this version" };
        var page = new Option<int>("--page") { Description = "page number, from 1", DefaultValueFactory = _ => 1 };
        var perPage = new Option<int>("--per-page") { Description = "machines per page (1-500)", DefaultValueFactory = _ => 50 };
        var after = new Option<string>("--after") { Description = "the page after this cursor (the last line of a page names it): as fast at any depth", HelpName = "cursor" };
        var command = new Command("list", "list machines, most recently seen first") { group, status, version, page, perPage, after };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var query = new List<string> { $"page={parse.GetValue(page)}", $"perPage={parse.GetValue(perPage)}" };
            foreach (var (key, option) in new[] { ("group", group), ("status", status), ("version", version), ("after", after) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    query.Add($"{key}={Uri.EscapeDataString(value)}");
                }
            }

            var result = await AdminOptions.Client(parse).GetAsync<Page<InstanceInfo>>(
                $"{AdminOptions.AppPath(parse)}/instances?{string.Join('&', query)}", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(result);
                return;
            }

            var now = TimeProvider.System.GetUtcNow();
            output.Table(["MACHINE", "ALIAS", "IP", "GROUP", "VERSION", "STATUS", "REASON", "LAST CHECK"],
                result.Items.Select(i => (IReadOnlyList<string?>)[
                    i.MachineId, i.Alias.Length == 0 ? null : i.Alias, i.Ip, i.Group, i.Version, i.Status, i.StatusReason, Format.Ago(i.LastCheckAt, now)]));
            var shown = result.Items.Count;
            var next = result.Next is null ? "" : "; next page: --after " + result.Next;
            output.Line(string.Create(CultureInfo.InvariantCulture,
                $"{shown} of {result.Total}{(result.TotalCapped ? "+" : "")} machines (page {result.PageNumber}, {result.PerPage} per page){next}"));
        }));
        return command;
    }

    private static Command Show()
    {
        var machine = new Argument<string>("MACHINE_ID") { Description = "the machine id, as instance list shows it" };
        var command = new Command("show", "one machine and its status history") { machine };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var detail = await AdminOptions.Client(parse).GetAsync<InstanceDetail>(
                $"{AdminOptions.AppPath(parse)}/instances/{Uri.EscapeDataString(parse.GetValue(machine)!)}", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(detail);
                return;
            }

            var i = detail.Instance;
            var now = TimeProvider.System.GetUtcNow();
            output.Fields([
                ("machine", i.MachineId), ("alias", i.Alias), ("ip", i.Ip), ("group", i.Group), ("track", i.Track),
                ("version", i.Version), ("status", i.Status), ("reason", i.StatusReason), ("update", i.UpdateVersion),
                ("granted", Format.TimeAndAge(i.UpdateGrantedAt, now)), ("last error", i.LastError), ("oem", $"{i.Oem} {i.OemVersion}".Trim()),
                ("board", i.Board), ("aleph", i.AlephVersion),
                ("ramp place", (i.RampPlace * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%"),
                ("first seen", Format.TimeAndAge(i.FirstSeenAt, now)), ("last check", Format.TimeAndAge(i.LastCheckAt, now)),
            ]);
            output.Line("");
            output.Table(["AT", "STATUS", "VERSION", "UPDATE", "MESSAGE"],
                detail.History.Select(h => (IReadOnlyList<string?>)[Format.Time(h.At), h.Status, h.Version, h.UpdateVersion, h.Message]));
        }));
        return command;
    }
}
