using System.CommandLine;
using Keelson.Cli.Status;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson status [--group G] [--json]</c>: the fleet at a glance.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var group = new Option<string>("--group") { Description = "only this group" };
        var command = new Command("status", "the fleet at a glance: each group's version, machines, rollout, holds and pauses, and who holds a reboot slot")
        {
            AdminOptions.App, AdminOptions.Json, group,
        };
        AdminOptions.AddConnection(command);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var status = await FleetStatus.ReadAsync(
                AdminOptions.Client(parse), parse.GetValue(AdminOptions.App)!, AdminOptions.AppPath(parse), parse.GetValue(group), ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(status);
                return;
            }

            new FleetStatusText(output, TimeProvider.System.GetUtcNow()).Print(status);
        }));
        return command;
    }
}
