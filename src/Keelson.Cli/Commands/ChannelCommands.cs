using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson channel list | set | promote | create | delete</c></summary>
internal static class ChannelCommands
{
    public static Command Create() => AdminOptions.Group("channel", "point channels at versions and promote between them",
        List(), Set(), Promote(), CreateChannel(), Delete());

    private static Command List()
    {
        var command = new Command("list", "list the channels and their versions");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var channels = await AdminOptions.Client(parse).GetAllPagesAsync<ChannelInfo>(AdminOptions.AppPath(parse) + "/channels", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(channels);
                return;
            }

            var now = TimeProvider.System.GetUtcNow();
            output.Table(["CHANNEL", "VERSION", "PACKAGE", "UPDATED"],
                channels.Select(c => (IReadOnlyList<string?>)[c.Name, c.Version, c.PackageId, Format.TimeAndAge(c.UpdatedAt, now)]));
        }));
        return command;
    }

    private static Command Set()
    {
        var channel = new Argument<string>("CHANNEL") { Description = "channel to change" };
        var version = new Option<string>("--version") { Description = "published version to point it at", Required = true };
        var force = new Option<bool>("--force") { Description = "allow moving the channel to an older version" };
        var command = new Command("set", "point a channel at a published version") { channel, version, force };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var result = await AdminOptions.Client(parse).SendJsonAsync<ChannelInfo>(HttpMethod.Put,
                $"{AdminOptions.AppPath(parse)}/channels/{Uri.EscapeDataString(parse.GetValue(channel)!)}",
                new SetChannelRequest(parse.GetValue(version), parse.GetValue(force)), ct);
            Print(parse, result);
        }));
        return command;
    }

    private static Command Promote()
    {
        var from = new Argument<string>("FROM") { Description = "channel whose package is promoted" };
        var to = new Argument<string>("TO") { Description = "channel that gets the very same package" };
        var force = new Option<bool>("--force") { Description = "allow moving TO to an older version" };
        var command = new Command("promote", "point TO at the package FROM has: the same bytes, the same hashes") { from, to, force };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var result = await AdminOptions.Client(parse).SendJsonAsync<ChannelInfo>(HttpMethod.Post,
                $"{AdminOptions.AppPath(parse)}/channels/{Uri.EscapeDataString(parse.GetValue(to)!)}/promote",
                new PromoteRequest(parse.GetValue(from), parse.GetValue(force)), ct);
            Print(parse, result);
        }));
        return command;
    }

    private static Command CreateChannel()
    {
        var name = new Argument<string>("NAME") { Description = "name of the new channel" };
        var command = new Command("create", "create an empty channel") { name };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var result = await AdminOptions.Client(parse).SendJsonAsync<ChannelInfo>(HttpMethod.Post,
                AdminOptions.AppPath(parse) + "/channels", new CreateChannelRequest(parse.GetValue(name)), ct);
            Print(parse, result);
        }));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("NAME") { Description = "the channel to delete; no group may follow it" };
        return DeleteCommand.Create("delete a channel no group follows (its package stays published)", name,
            parse => $"{AdminOptions.AppPath(parse)}/channels/{Uri.EscapeDataString(parse.GetValue(name)!)}");
    }

    private static void Print(ParseResult parse, ChannelInfo channel)
    {
        var output = AdminOptions.Output(parse);
        if (parse.GetValue(AdminOptions.Json))
        {
            output.Json(channel);
            return;
        }

        output.Line($"channel {channel.Name} -> {channel.Version ?? "(no package)"}");
    }
}
