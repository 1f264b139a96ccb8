using System.CommandLine;
using Keelson.Cli.Output;
using Keelson.Server.Api.Contracts;

namespace Keelson.Cli.Commands;

/// <summary><c>keelson package publish | list | show | delete</c></summary>
internal static class PackageCommands
{
    public static Command Create() => AdminOptions.Group("package", "publish, list and delete payload packages", Publish(), List(), Show(), Delete());

    private static Command Publish()
    {
        var version = new Option<string>("--version") { Description = "version of the payload, e.g. 2605.10.0", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "payload file to upload (streamed)" };
        var name = new Option<string>("--name") { Description = "file name machines download it as (default: the file's name)" };
        var url = new Option<string>("--url") { Description = "register a payload hosted elsewhere instead of uploading one" };
        var size = new Option<long>("--size") { Description = "size in bytes of the payload at --url" };
        var sha1 = new Option<string>("--sha1") { Description = "base64 SHA-1 of the payload at --url" };
        var sha256 = new Option<string>("--sha256") { Description = "base64 SHA-256 of the payload at --url" };
        var command = new Command("publish", "publish a version: upload its payload, or register one hosted elsewhere")
        {
            version, file, name, url, size, sha1, sha256,
        };
        command.Validators.Add(result =>
        {
            var hasFile = result.GetResult(file) is not null;
            var hasUrl = result.GetResult(url) is not null;
            if (hasFile == hasUrl)
            {
                result.AddError("give either --file (upload) or --url with --size, --sha1 and --sha256 (hosted elsewhere)");
            }
            else if (hasUrl && (result.GetResult(size) is null || result.GetResult(sha1) is null || result.GetResult(sha256) is null))
            {
                result.AddError("--url needs --size, --sha1 and --sha256");
            }
            else if (hasFile && result.GetValue(file) is { Exists: false } missing)
            {
                result.AddError($"--file '{missing.FullName}' does not exist");
            }
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var client = AdminOptions.Client(parse);
            var path = AdminOptions.AppPath(parse) + "/packages";
            PackageInfo package;
            if (parse.GetValue(file) is { } payload)
            {
                var query = $"?version={Uri.EscapeDataString(parse.GetValue(version)!)}&name={Uri.EscapeDataString(parse.GetValue(name) ?? payload.Name)}";
                package = await ProgressDisplay.RunAsync($"uploading {parse.GetValue(version)}", [new ProgressStage("uploading", payload.Length)],
                    progress => client.UploadAsync<PackageInfo>(path + query, payload.FullName, progress.ForBytes(0), ct));
            }
            else
            {
                package = await client.SendJsonAsync<PackageInfo>(HttpMethod.Post, path,
                    new ExternalPackageRequest(parse.GetValue(version), parse.GetValue(url), parse.GetValue(size), parse.GetValue(sha1), parse.GetValue(sha256)), ct);
            }

            Print(parse, package);
        }));
        return command;
    }

    private static Command Show()
    {
        var version = new Argument<string>("VERSION") { Description = "the published version" };
        var command = new Command("show", "one published package: size, hashes, where machines download it") { version };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var packages = await AdminOptions.Client(parse).GetAllPagesAsync<PackageInfo>(AdminOptions.AppPath(parse) + "/packages", ct);
            var wanted = parse.GetValue(version)!;
            Print(parse, packages.Find(p => p.Version == wanted)
                ?? throw new CliException($"no package with version {wanted}; 'keelson package list' shows the published ones"));
        }));
        return command;
    }

    private static Command Delete()
    {
        var version = new Argument<string>("VERSION") { Description = "the version to delete; no channel may point at it" };
        return DeleteCommand.Create("delete a published version and the payload file the server hosts for it", version,
            parse => $"{AdminOptions.AppPath(parse)}/packages/{Uri.EscapeDataString(parse.GetValue(version)!)}");
    }

    private static void Print(ParseResult parse, PackageInfo package)
    {
        var output = AdminOptions.Output(parse);
        if (parse.GetValue(AdminOptions.Json))
        {
            output.Json(package);
            return;
        }

        output.Fields([
            ("version", package.Version), ("id", package.Id), ("url", package.Url),
            ("size", $"{Format.Size(package.Size)} ({package.Size.ToString(Format.Invariant)} bytes)"),
            ("sha1", package.Sha1), ("sha256", package.Sha256),
            ("published", Format.TimeAndAge(package.CreatedAt, TimeProvider.System.GetUtcNow())),
        ]);
    }

    private static Command List()
    {
        var command = new Command("list", "list the published packages, newest version first");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var packages = await AdminOptions.Client(parse).GetAllPagesAsync<PackageInfo>(AdminOptions.AppPath(parse) + "/packages", ct);
            var output = AdminOptions.Output(parse);
            if (parse.GetValue(AdminOptions.Json))
            {
                output.Json(packages);
                return;
            }

            var now = TimeProvider.System.GetUtcNow();
            output.Table(
                ["VERSION", "SIZE", "SHA256", "URL", "PUBLISHED"],
                packages.Select(p => (IReadOnlyList<string?>)[p.Version, Format.Size(p.Size), p.Sha256, p.Url, Format.TimeAndAge(p.CreatedAt, now)]));
        }));
        return command;
    }
}
