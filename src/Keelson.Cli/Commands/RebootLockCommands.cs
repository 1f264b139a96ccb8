using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Coordination.FleetLock;
using Keelson.Server.FleetLock;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson reboot-lock list | set GROUP --slots N | release GROUP ID</c>: the update server's FleetLock semaphores.</summary>
internal static class RebootLockCommands
{
    private const string ApiPath = "api/reboot-locks";

    public static Command Create()
    {
        var command = new Command("reboot-lock", "the reboot slots machines take through the server's FleetLock endpoints (/v1/pre-reboot)")
        {
            AdminOptions.Json,
        };
        AdminOptions.AddConnection(command);
        command.Subcommands.Add(List());
        command.Subcommands.Add(Set());
        command.Subcommands.Add(Release());
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "list the reboot groups, their slots and who holds them");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var groups = await AdminOptions.Client(parse).GetAllPagesAsync<RebootLockGroupInfo>(ApiPath, ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(groups);
                return;
            }

            output.Table(["GROUP", "SLOTS", "HELD", "HOLDERS"],
                groups.Select(g => (IReadOnlyList<string?>)[
                    g.Group, g.Slots.ToString(Format.Invariant), g.Holders.Count.ToString(Format.Invariant),
                    string.Join(", ", g.Holders.Select(h => h.Id))]));
        }));
        return command;
    }

    private static Command Set()
    {
        var group = GroupArgument();
        var slots = new Option<int>("--slots") { Description = "how many machines of the group may reboot at once (0 stops reboots)", Required = true };
        slots.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"--slots {result.GetValueOrDefault<int>()} is negative; give 0 or more");
            }
        });
        var command = new Command("set", "set a group's reboot slots; machines holding one keep it") { group, slots };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
            Print(parse, await AdminOptions.Client(parse).SendJsonAsync<RebootLockGroupInfo>(HttpMethod.Put,
                GroupPath(parse.GetValue(group)!), new SetRebootLockSlotsRequest(parse.GetValue(slots)), ct))));
        return command;
    }

    private static Command Release()
    {
        var group = GroupArgument();
        var id = new Argument<string>("ID") { Description = "the machine id holding the slot, as list shows it" };
        var command = new Command("release", "free the slot a machine holds (e.g. one that is gone and will never release it)") { group, id };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var info = await AdminOptions.Client(parse).SendJsonAsync<RebootLockGroupInfo>(HttpMethod.Delete,
                $"{GroupPath(parse.GetValue(group)!)}/holders/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct);
            if (!parse.GetValue(AdminOptions.Json))
            {
                AdminOptions.Output(parse).Line($"released the reboot slot of '{parse.GetValue(id)}' in group '{info.Group}'");
            }

            Print(parse, info);
        }));
        return command;
    }

    private static Argument<string> GroupArgument()
    {
        var group = new Argument<string>("GROUP") { Description = "reboot group, as machines name it (Zincati's default: default)" };
        group.Validators.Add(result =>
        {
            if (!FleetLockProtocol.IsValidGroup(result.GetValueOrDefault<string>(), out var error))
            {
                result.AddError(error);
            }
        });
        return group;
    }

    private static string GroupPath(string group) => $"{ApiPath}/{Uri.EscapeDataString(group)}";

    private static void Print(ParseResult parse, RebootLockGroupInfo g)
    {
        var output = AdminOptions.Output(parse);
        if (parse.GetValue(AdminOptions.Json))
        {
            output.Json(g);
            return;
        }

        output.Fields([
            ("group", g.Group),
            ("slots", g.Slots.ToString(Format.Invariant)),
            ("held", g.Holders.Count.ToString(Format.Invariant)),
            ("holders", string.Join(", ", g.Holders.Select(h => $"{h.Id} (since {Format.Time(h.Since)})"))),
        ]);
    }
}
