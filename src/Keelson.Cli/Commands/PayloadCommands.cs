using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Disks;
using Keelson.Payloads;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson payload keygen | create | verify | inspect | apply</c>: signed update payloads, made by the publisher
/// and installed into a slot by hand the way the agent does it (as <c>rauc install</c> does). <c>apply</c> writes the
/// slot's bytes only: it never marks anything bootable.
/// </summary>
internal static class PayloadCommands
{
    public static Command Create() => new("payload", "signed update payloads: make keys, create full and delta payloads, check them, install one into a slot")
    {
        Keygen(), CreatePayload(), Verify(), Inspect(), Apply(),
    };

    private static Command Keygen()
    {
        var output = new Option<string>("--out") { Description = "private key file to write (mode 0600); the public key goes to the same name + .pub", Required = true };
        var command = new Command("keygen", "make a signing key pair: ECDSA P-256, PEM") { output };
        command.SetAction((parse, ct) => RunAsync(() =>
        {
            var path = parse.GetValue(output)!;
            using var key = PayloadSigningKey.Generate();
            key.Save(path);
            Output(parse).Fields([("private key", $"{path} (mode 0600)"), ("public key", path + ".pub"), ("key id", key.KeyId)]);
            return Task.CompletedTask;
        }));
        return command;
    }

    private static Command CreatePayload()
    {
        var image = ExistingFileOption("--image", "the new image (e.g. the ext4 of a usr partition)", required: true);
        var version = new Option<string>("--version") { Description = "OS version of the image, e.g. 2605.10.0", Required = true };
        version.Validators.Add(result => ValidateVersion(result, "--version"));
        var key = ExistingFileOption("--key", "private key to sign with (from payload keygen)", required: true);
        var board = BoardOption("board the image is for");
        var from = ExistingFileOption("--from", "old image: makes a delta that copies the blocks it shares with the new one from the active slot");
        var level = new Option<int>("--level") { Description = "zstd level, 1 (fast) to 19 (small)", DefaultValueFactory = _ => 3 };
        level.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 19)
            {
                result.AddError($"--level {result.GetValueOrDefault<int>()} is outside 1 .. 19");
            }
        });
        var output = new Option<string>("--out") { Description = "payload file to write", Required = true };
        var json = JsonOption();
        var command = new Command("create", "create a signed payload of an image: full, or a delta with --from")
        {
            image, version, key, board, from, level, output, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            using var signingKey = PayloadSigningKey.Load(parse.GetValue(key)!.FullName);
            var imageFile = parse.GetValue(image)!;
            var result = await ProgressDisplay.RunAsync($"creating {parse.GetValue(version)}", [new ProgressStage("compressing", imageFile.Length)],
                progress => PayloadCreator.CreateAsync(new PayloadCreateOptions
                {
                    ImagePath = imageFile.FullName,
                    Version = parse.GetValue(version)!,
                    Key = signingKey,
                    Board = parse.GetValue(board)!,
                    SourceImagePath = parse.GetValue(from)?.FullName,
                    CompressionLevel = parse.GetValue(level),
                }, parse.GetValue(output)!, progress.ForPayload(0), ct));
            var manifest = result.Manifest;
            if (parse.GetValue(json))
            {
                Output(parse).Json(PayloadSummary.Of(manifest, result.PayloadSize, signature: "signed"));
                return;
            }

            Output(parse).Fields([
                ("payload", parse.GetValue(output)), ("version", manifest.Version), ("board", manifest.Board),
                ("image", $"{Size(manifest.ImageSize)}, sha256 {manifest.ImageSha256}"),
                ("payload size", $"{Size(result.PayloadSize)} ({Ratio(result.PayloadSize, manifest.ImageSize)} of the image)"),
                ("operations", Operations(manifest)), ("delta source", Source(manifest)), ("key id", manifest.KeyId),
            ]);
        }));
        return command;
    }

    private static Command Verify()
    {
        var file = PayloadArgument();
        var keys = PublicKeysOption(required: true);
        var command = new Command("verify", "check a payload's signature with trusted keys, and every chunk of its data") { file, keys };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            await using var payload = OpenPayload(parse.GetValue(file)!);
            var imageSize = await ImageSizeAsync(payload, ct);
            var manifest = await ProgressDisplay.RunAsync($"verifying {parse.GetValue(file)!.Name}", [new ProgressStage("verifying", imageSize)],
                progress => PayloadReader.VerifyAsync(payload, LoadKeys(parse, keys), progress.ForPayload(0), ct));
            Output(parse).Line(manifest.IsDelta
                ? $"{parse.GetValue(file)!.Name}: signed by trusted key {manifest.KeyId}, every data chunk intact; version {manifest.Version} for {manifest.Board}, a delta (its copies are checked against the source when applied)"
                : $"{parse.GetValue(file)!.Name}: signed by trusted key {manifest.KeyId}, every chunk intact, image sha256 {manifest.ImageSha256}; version {manifest.Version} for {manifest.Board}");
        }));
        return command;
    }

    private static Command Inspect()
    {
        var file = PayloadArgument();
        var keys = PublicKeysOption(required: false, "check the signature with these keys too");
        var json = JsonOption();
        var command = new Command("inspect", "what a payload says about itself: version, board, sizes, key id, operations, delta source") { file, keys, json };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var info = parse.GetValue(file)!;
            await using var payload = OpenPayload(info);
            var trusted = parse.GetValue(keys) is { Length: > 0 } ? LoadKeys(parse, keys) : null;
            var manifest = trusted is null
                ? await PayloadReader.ReadUnverifiedManifestAsync(payload, ct)
                : await PayloadReader.ReadManifestAsync(payload, trusted, ct);
            var signature = trusted is null ? "not checked (give --pubkey to check it)" : $"valid, trusted key {manifest.KeyId}";
            if (parse.GetValue(json))
            {
                Output(parse).Json(PayloadSummary.Of(manifest, info.Length, trusted is null ? "unchecked" : "valid"));
                return;
            }

            Output(parse).Fields([
                ("version", manifest.Version), ("board", manifest.Board), ("created", Format.Time(manifest.CreatedAt)),
                ("key id", manifest.KeyId), ("signature", signature), ("format", manifest.FormatVersion.ToString(CultureInfo.InvariantCulture)),
                ("image size", Size(manifest.ImageSize)), ("image sha256", manifest.ImageSha256.ToString()),
                ("payload size", $"{Size(info.Length)} ({Ratio(info.Length, manifest.ImageSize)} of the image)"),
                ("chunk size", Size(manifest.ChunkSize)), ("operations", Operations(manifest)), ("delta source", Source(manifest)),
            ]);
        }));
        return command;
    }

    private static Command Apply()
    {
        var file = PayloadArgument();
        var target = new Option<string>("--target") { Description = "slot to write: a file or block device, or DISK#N / DISK#A|B for a partition of a GPT disk (the passive slot)", Required = true };
        var keys = PublicKeysOption(required: true);
        var source = new Option<string>("--source") { Description = "slot a delta copies from (the active slot), in --target's forms" };
        var running = new Option<string>("--running-version") { Description = "version running now: a lower payload version is refused" };
        running.Validators.Add(result => ValidateVersion(result, "--running-version"));
        var allowDowngrade = new Option<bool>("--allow-downgrade") { Description = "install a version lower than --running-version" };
        var board = BoardOption("this machine's board: a payload for another is refused");
        var readBack = CliParsing.AcceptOnly(new Option<string>("--read-back")
        {
            Description = "how the slot is checked after writing: 'operations' (every range read back has its signed SHA-256, on all cores) or 'image' (the whole slot read back has the image's SHA-256, one core)",
            DefaultValueFactory = _ => "operations",
        }, ["operations", "image"]);
        var command = new Command("apply", "verify a payload and write its image into a slot, checking every chunk and reading the slot back; marks nothing bootable")
        {
            file, target, keys, source, running, allowDowngrade, board, readBack,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            await using var payload = OpenPayload(parse.GetValue(file)!);
            var slot = await SlotAsync(parse.GetValue(target)!, ct);
            var options = new PayloadApplyOptions
            {
                TrustedKeys = LoadKeys(parse, keys),
                Board = parse.GetValue(board)!,
                RunningVersion = parse.GetValue(running),
                AllowDowngrade = parse.GetValue(allowDowngrade),
                Source = parse.GetValue(source) is { } active ? await SlotAsync(active, ct) : null,
                ReadBack = parse.GetValue(readBack) == "operations" ? PayloadReadBack.OperationHashes : PayloadReadBack.ImageHash,
            };
            var imageSize = await ImageSizeAsync(payload, ct);
            var result = await ProgressDisplay.RunAsync($"applying {parse.GetValue(file)!.Name}", [new ProgressStage("writing", imageSize)],
                progress => PayloadInstaller.ApplyAsync(payload, slot, options, progress.ForPayload(0), ct));
            var manifest = result.Manifest;
            Output(parse).Fields([
                ("installed", $"{manifest.Version} ({manifest.Board}) into {slot}"),
                ("image", $"{Size(manifest.ImageSize)}, sha256 {manifest.ImageSha256}, read back and verified"
                    + (parse.GetValue(readBack) == "operations" ? " operation by operation" : "")),
                ("written", $"{Size(result.BytesFromPayload)} from the payload, {Size(result.BytesCopied)} copied from the source, {Size(result.BytesZeroed)} zeros"),
                ("signed by", $"trusted key {manifest.KeyId}"),
                ("bootable", "not changed (the agent, or keelson disk, marks the slot)"),
            ]);
        }));
        return command;
    }

    /// <summary>
    /// A slot on the command line: a file or block device path, or <c>DISK#N</c> (partition N) or <c>DISK#A</c>,
    /// <c>DISK#B</c>, <c>DISK#USR-B</c> (a usr slot) of a GPT disk image or device.
    /// </summary>
    private static async Task<SlotTarget> SlotAsync(string text, CancellationToken cancellationToken)
    {
        var hash = text.LastIndexOf('#');
        if (hash <= 0 || File.Exists(text))
        {
            return new SlotTarget(text);
        }

        var (disk, part) = (text[..hash], text[(hash + 1)..]);
        using var gpt = await GptDisk.OpenAsync(disk, writable: false, cancellationToken: cancellationToken);
        var partition = int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? gpt.FindPartition(number) ?? throw new CliException($"{disk} has no partition {number}")
            : UsrSlotNames.TryParse(part, out var name)
                ? gpt.FindPartition(gpt.GetSlot(name).PartitionNumber)!
                : throw new CliException($"'{part}' in {text} is neither a partition number nor a usr slot (A, B, USR-A, USR-B)");
        return new SlotTarget(disk, partition.ByteOffset, partition.ByteLength);
    }

    private static Argument<FileInfo> PayloadArgument()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "payload file" };
        file.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is { Exists: false } missing)
            {
                result.AddError($"payload FILE '{missing.FullName}' does not exist");
            }
        });
        return file;
    }

    private static Option<FileInfo> ExistingFileOption(string name, string description, bool required = false)
    {
        var option = new Option<FileInfo>(name) { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is { Exists: false } file)
            {
                result.AddError($"{name} '{file.FullName}' does not exist");
            }
        });
        return option;
    }

    private static Option<FileInfo[]> PublicKeysOption(bool required, string description = "trusted public key (PEM, from payload keygen); repeat it to trust several during a key rotation")
    {
        var option = new Option<FileInfo[]>("--pubkey") { Description = description, Required = required };
        option.Validators.Add(result =>
        {
            foreach (var file in result.GetValueOrDefault<FileInfo[]>() ?? [])
            {
                if (!file.Exists)
                {
                    result.AddError($"--pubkey '{file.FullName}' does not exist");
                }
            }
        });
        return option;
    }

    private static Option<string> BoardOption(string description)
    {
        var option = new Option<string>("--board") { Description = description, DefaultValueFactory = _ => BoardName.Default };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !BoardName.IsValid(text))
            {
                result.AddError($"--board '{text}' is not a board name: 1 to {PayloadFormat.MaxTextLength} letters, digits, '.', '_' or '-'");
            }
        });
        return option;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "print JSON" };

    private static void ValidateVersion(OptionResult result, string name)
    {
        if (result.GetValueOrDefault<string>() is { } text && !ImageVersion.IsValid(text))
        {
            result.AddError($"{name} '{text}' is not a version such as 2605.10.0");
        }
    }

    private static List<PayloadPublicKey> LoadKeys(ParseResult parse, Option<FileInfo[]> keys) =>
        [.. (parse.GetValue(keys) ?? []).Select(file => PayloadPublicKey.Load(file.FullName))];

    private static FileStream OpenPayload(FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the payload {file.FullName}: {e.Message}");
        }
    }

    /// <summary>
    /// The image size the payload's manifest states, which the progress counts up to; read without checking the
    /// signature (the command checks it next, before it uses anything), then the payload is read again from its start.
    /// </summary>
    private static async Task<long> ImageSizeAsync(FileStream payload, CancellationToken cancellationToken)
    {
        var manifest = await PayloadReader.ReadUnverifiedManifestAsync(payload, cancellationToken);
        payload.Position = 0;
        return manifest.ImageSize;
    }

    private static string Operations(PayloadManifest manifest) =>
        $"{manifest.Operations.Count} (data {manifest.CountOf(PayloadOperationKind.Data)}, zero {manifest.CountOf(PayloadOperationKind.Zero)}, copy {manifest.CountOf(PayloadOperationKind.Copy)})";

    private static string Source(PayloadManifest manifest) =>
        manifest.Source is { } source ? $"{Size(source.Size)}, sha256 {source.Sha256}" : "none (full payload)";

    private static string Size(long bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({bytes / (double)(1 << 30):0.00} GiB)"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({bytes / (double)(1 << 20):0.0} MiB)"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private static string Ratio(long part, long whole) => string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.0}%");

    private static ConsoleOutput Output(ParseResult parse) => new(parse.InvocationConfiguration.Output);

    private static Task<int> RunAsync(Func<Task> work) => CommandRunner.RunAsync(async () =>
    {
        try
        {
            await work();
        }
        catch (PayloadException e)
        {
            throw new CliException(WithFlag(e));
        }
        catch (DiskException e)
        {
            throw new CliException(e.Message);
        }
    });

    /// <summary>The library's refusal, ended with the flag of these commands that changes the outcome.</summary>
    private static string WithFlag(PayloadException e) => e.Kind switch
    {
        PayloadErrorKind.Downgrade => $"{e.Message}: give --allow-downgrade to install it anyway",
        PayloadErrorKind.SourceRequired => $"{e.Message} with --source",
        PayloadErrorKind.BoardMismatch => $"{e.Message}; --board names this machine's board",
        PayloadErrorKind.UnknownKey => $"{e.Message}; trust a key with --pubkey KEY.pub",
        _ => e.Message,
    };
}
