using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Security;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson token create NAME --role R | list | revoke NAME</c>: the server's named API tokens.</summary>
internal static class TokenCommands
{
    private const string ApiPath = "api/tokens";

    public static Command Create()
    {
        var command = new Command("token", "named tokens with a role (viewer, operator, admin, machine) for the admin API and the dashboard")
        {
            AdminOptions.Json,
        };
        AdminOptions.AddConnection(command);
        command.Subcommands.Add(CreateToken());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command CreateToken()
    {
        var name = new Argument<string>("NAME") { Description = "the token's name, recorded with every change made with it" };
        var role = new Option<string>("--role")
        {
            Description = "viewer (reads), operator (rollout actions), admin (everything) or machine (no admin API or dashboard)",
            Required = true,
        };
        role.AcceptOnlyFromAmong([.. Roles.All.Select(Roles.Name)]);
        var command = new Command("create", "create a token; its secret is printed this once and cannot be shown again") { name, role };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var created = await AdminOptions.Client(parse).SendJsonAsync<CreatedToken>(HttpMethod.Post, ApiPath,
                new CreateTokenRequest(parse.GetValue(name), parse.GetValue(role)), ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(created);
                return;
            }

            output.Line(created.Secret);
            await parse.InvocationConfiguration.Error.WriteLineAsync(
                $"token {created.Name} ({created.Role}) created; the line above is its secret, shown this once: keep it, e.g. as $KEELSON_TOKEN");
        }));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "list the tokens: name, role, created, last used (never a secret)");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var tokens = await AdminOptions.Client(parse).GetAllPagesAsync<TokenInfo>(ApiPath, ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(tokens);
                return;
            }

            var now = TimeProvider.System.GetUtcNow();
            output.Table(["NAME", "ROLE", "CREATED", "BY", "LAST USED"],
                tokens.Select(t => (IReadOnlyList<string?>)[
                    t.Name, t.Role, t.BuiltIn ? "built in" : Format.TimeAndAge(t.CreatedAt, now), t.CreatedBy,
                    Format.TimeAndAge(t.LastUsedAt, now) ?? "never"]));
        }));
        return command;
    }

    private static Command Revoke()
    {
        var name = new Argument<string>("NAME") { Description = "the token to revoke, as list shows it" };
        var command = new Command("revoke", "revoke a token on every replica: requests with it are refused from now on") { name };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var deleted = await AdminOptions.Client(parse).SendJsonAsync<DeletedInfo>(HttpMethod.Delete,
                $"{ApiPath}/{Uri.EscapeDataString(parse.GetValue(name)!)}", null, ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(deleted);
                return;
            }

            output.Line(deleted.Message);
        }));
        return command;
    }
}
