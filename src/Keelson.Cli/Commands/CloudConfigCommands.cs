using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.CloudConfig;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson cloud-config validate | apply</c>: CoreOS cloud-config (coreos-cloudinit's dialect) checked with its
/// line-numbered report, and written into a target root directory. <c>$public_ipv4</c> and friends come from
/// <c>COREOS_PUBLIC_IPV4</c>, <c>COREOS_PRIVATE_IPV4</c>, <c>COREOS_PUBLIC_IPV6</c> and <c>COREOS_PRIVATE_IPV6</c>.
/// </summary>
internal static class CloudConfigCommands
{
    public static Command Create() => new("cloud-config", "validate a CoreOS cloud-config and apply it to a root directory")
    {
        Validate(), Apply(),
    };

    private static Command Validate()
    {
        var file = FileArgument();
        var json = new Option<bool>("--json") { Description = "print the report as a JSON array of {kind, line, message}" };
        var command = new Command("validate", "check FILE with coreos-cloudinit's rules: one 'line N: error|warning|info: message' per finding; exit 1 when there is any")
        {
            file, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            var document = await LoadAsync(path, ct);
            var output = new ConsoleOutput(parse.InvocationConfiguration.Output);
            if (document.Notice is { } notice)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"note: {path}: {notice}");
            }

            if (parse.GetValue(json))
            {
                output.Json(document.Report.Entries.Select(e => new EntryReport(e.KindName, e.Line, e.Message)).ToList());
            }
            else
            {
                foreach (var entry in document.Report.Entries)
                {
                    output.Line(entry.ToString());
                }
            }

            return document.Report.IsClean ? 0 : 1;
        }));
        return command;
    }

    private static Command Apply()
    {
        var file = FileArgument();
        var root = new Option<string>("--root")
        {
            Description = "the target root directory: /etc/hostname means DIR/etc/hostname; nothing is written outside it",
            Required = true,
        };
        var command = new Command("apply", "write what FILE asks for (update.conf, reboot-lock settings, units, files, users, SSH keys...) into DIR; refused with nothing written when FILE is invalid or a path leaves DIR")
        {
            file, root,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            var document = await LoadAsync(path, ct);
            var error = parse.InvocationConfiguration.Error;
            foreach (var entry in document.Report.Entries)
            {
                await error.WriteLineAsync(entry.ToString());
            }

            if (document.Kind == DocumentKind.Unknown || document.Report.HasErrors)
            {
                throw new CliException($"{path} is not a valid cloud-config; nothing was written");
            }

            if (document.Kind == DocumentKind.Empty)
            {
                await error.WriteLineAsync($"note: {path} is empty; nothing to apply");
                return;
            }

            if (document.Notice is { } notice)
            {
                await error.WriteLineAsync($"note: {path}: {notice}");
                return;
            }

            ApplyResult result;
            try
            {
                result = new CloudConfigApplier(TimeProvider.System).Apply(document, parse.GetValue(root)!);
            }
            catch (CloudConfigException e)
            {
                throw new CliException(e.Message);
            }

            var output = new ConsoleOutput(parse.InvocationConfiguration.Output);
            foreach (var change in result.Changes)
            {
                output.Line(change.ToString());
            }

            foreach (var note in result.Notes)
            {
                output.Line("note: " + note);
            }
        }));
        return command;
    }

    private static async Task<CloudConfigDocument> LoadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await CloudConfigDocument.LoadAsync(path, IpSubstitutions.FromVariables(Environment.GetEnvironmentVariable), cancellationToken);
        }
        catch (CloudConfigException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static Argument<string> FileArgument() => new("FILE") { Description = "the cloud-config (user-data) file" };

    private sealed record EntryReport(string Kind, int Line, string Message);
}
