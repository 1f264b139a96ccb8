using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson activity list</c></summary>
internal static class ActivityCommands
{
    public static Command Create() => AdminOptions.Group("activity", "what happened: publications, promotions, rollouts, failures", List());

    private static Command List()
    {
        var page = new Option<int>("--page") { Description = "page number, from 1", DefaultValueFactory = _ => 1 };
        var perPage = new Option<int>("--per-page") { Description = "entries per page (1-500)", DefaultValueFactory = _ => 50 };
        var command = new Command("list", "list activity, newest first") { page, perPage };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var result = await AdminOptions.Client(parse).GetAsync<Page<ActivityEntry>>(
                $"api/activity?app={Uri.EscapeDataString(parse.GetValue(AdminOptions.App)!)}&page={parse.GetValue(page)}&perPage={parse.GetValue(perPage)}", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(result);
                return;
            }

            var now = TimeProvider.System.GetUtcNow();
            output.Table(["AT", "KIND", "SEVERITY", "GROUP", "CHANNEL", "VERSION", "BY", "FROM", "MESSAGE"],
                result.Items.Select(a => (IReadOnlyList<string?>)[
                    Format.TimeAndAge(a.At, now), a.Kind, a.Severity, a.Group, a.Channel, a.Version, a.By, a.From, a.Message]));
        }));
        return command;
    }
}
