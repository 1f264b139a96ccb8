using System.CommandLine;
using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Disks;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson disk create | show | boot | mark-installed | mark-good | prioritize | repair</c>: the A/B GPT disk of a
/// machine, as GRUB's gptprio and Flatcar's cgpt calls see it. <c>show</c> never writes; every other command except
/// <c>create</c> writes both GPT copies and so repairs a corrupt or stale one on the way (and says so on stderr).
/// </summary>
internal static class DiskCommands
{
    public static Command Create() => new("disk", "A/B usr slots on a GPT disk image or block device")
    {
        CreateImage(), Show(), Boot(), MarkInstalled(), MarkGood(), Prioritize(), Repair(),
    };

    private static Command CreateImage()
    {
        var image = new Argument<string>("IMG") { Description = "image file to create (must not exist)" };
        var size = new Option<string>("--size") { Description = "image size: bytes, or with K, M, G or T (binary units), e.g. 64M, 2G", Required = true };
        size.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !TryParseSize(text, out _))
            {
                result.AddError($"--size '{text}' is not a size such as 64M, 2G or 1048576");
            }
        });
        var sectorSize = SectorSizeOption("logical sector size of the image: 512 (default) or 4096");
        var json = JsonOption();
        var command = new Command("create", "create an image file with the Flatcar layout; USR-A successful with priority 1")
        {
            image, size, sectorSize, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            TryParseSize(parse.GetValue(size)!, out var bytes);
            using var disk = await FlatcarLayout.CreateImageAsync(parse.GetValue(image)!, bytes, parse.GetValue(sectorSize) ?? 512, ct);
            var output = Output(parse);
            if (!parse.GetValue(json))
            {
                output.Line($"created {disk.Path}: {FlatcarLayout.FormatSize(disk.Size)}, {disk.SectorSize}-byte sectors, Flatcar layout");
            }

            Print(parse, json, disk);
        }));
        return command;
    }

    private static Command Show()
    {
        var image = ImageArgument();
        var sectorSize = SectorSizeOption();
        var json = JsonOption();
        var command = new Command("show", "the partitions, the usr slots' priority/tries/successful, the next boot and the GPT's health (writes nothing)")
        {
            image, sectorSize, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            using var disk = await GptDisk.OpenAsync(parse.GetValue(image)!, writable: false, parse.GetValue(sectorSize), ct);
            Print(parse, json, disk);
        }));
        return command;
    }

    private static Command Boot()
    {
        var image = ImageArgument();
        var sectorSize = SectorSizeOption();
        var json = JsonOption();
        var command = new Command("boot", "one gptprio selection as GRUB makes it: uses up a try of the chosen slot, writes it back, prints the slot and its partition uuid")
        {
            image, sectorSize, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            using var disk = await OpenWritableAsync(parse, image, sectorSize, ct);
            var before = disk.Health;
            var selection = await disk.BootAsync(ct);
            if (selection.Partition is not { } partition)
            {
                throw new CliException($"{disk.Path}: nothing to boot: no usr partition has a priority above 0 with tries left or marked successful");
            }

            await ReportRepairAsync(before, disk, selection.TriesDecremented);
            var output = Output(parse);
            if (parse.GetValue(json))
            {
                output.Json(new BootReport(
                    selection.Slot?.Name.ToString(), partition.Label, partition.Number, partition.UniqueGuid,
                    partition.Attributes.Priority, partition.Attributes.Tries, partition.Attributes.Successful, selection.TriesDecremented));
                return;
            }

            output.Line($"{partition.Label} {partition.UniqueGuid}");
        }));
        return command;
    }

    private static Command MarkInstalled() => SlotCommand(
        "mark-installed", "after writing an image into the slot (postinstall): successful 0, tries 1, top priority",
        (disk, slot, ct) => disk.MarkInstalledAsync(slot, ct), "marked {0} installed: it boots next, once");

    private static Command MarkGood() => SlotCommand(
        "mark-good", "the booted slot is healthy: successful 1, tries 0, top priority",
        (disk, slot, ct) => disk.MarkGoodAsync(slot, ct), "marked {0} good");

    private static Command Prioritize() => SlotCommand(
        "prioritize", "give the slot the top priority; the other keeps its order below it (cgpt prioritize)",
        (disk, slot, ct) => disk.PrioritizeAsync(slot, ct), "prioritized {0}");

    private static Command Repair()
    {
        var image = ImageArgument();
        var sectorSize = SectorSizeOption();
        var command = new Command("repair", "rewrite a corrupt or stale GPT copy from the good one (cgpt repair)") { image, sectorSize };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            using var disk = await OpenWritableAsync(parse, image, sectorSize, ct);
            var before = disk.Health;
            var output = Output(parse);
            if (!await disk.RepairAsync(ct))
            {
                output.Line($"{disk.Path}: both GPT copies are valid and agree; nothing to repair");
                return;
            }

            output.Line($"repaired {disk.Path}: {Problems(before)}");
        }));
        return command;
    }

    private static Command SlotCommand(string name, string description, Func<GptDisk, UsrSlotName, CancellationToken, Task<UsrSlot>> change, string done)
    {
        var image = ImageArgument();
        var slot = new Option<string>("--slot") { Description = "A or B", Required = true };
        slot.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !UsrSlotNames.TryParse(text, out _))
            {
                result.AddError($"--slot '{text}' is not A or B");
            }
        });
        var sectorSize = SectorSizeOption();
        var json = JsonOption();
        var command = new Command(name, description) { image, slot, sectorSize, json };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            UsrSlotNames.TryParse(parse.GetValue(slot), out var target);
            using var disk = await OpenWritableAsync(parse, image, sectorSize, ct);
            var before = disk.Health;
            var changed = await change(disk, target, ct);
            await ReportRepairAsync(before, disk, wrote: true);
            var output = Output(parse);
            if (parse.GetValue(json))
            {
                output.Json(Slots(disk));
                return;
            }

            output.Line(string.Format(CultureInfo.InvariantCulture, done, changed.Label));
            output.Table(["SLOT", "PARTITION", "PRIORITY", "TRIES", "SUCCESSFUL"],
                Slots(disk).Select(s => (IReadOnlyList<string?>)[s.Label, Number(s.Number), Number(s.Priority), Number(s.Tries), s.Successful ? "1" : "0"]));
        }));
        return command;
    }

    private static void Print(ParseResult parse, Option<bool> json, GptDisk disk)
    {
        var output = Output(parse);
        var next = disk.SelectBoot().Partition;
        if (parse.GetValue(json))
        {
            output.Json(new DiskReport(
                disk.Path, disk.Size, disk.SectorSize, disk.DiskGuid,
                new HealthReport(disk.Health.NeedsRepair, disk.Health.ReadFrom, disk.Health.PrimaryProblem, disk.Health.BackupProblem),
                disk.Partitions.Select(p => new PartitionReport(
                    p.Number, p.Label, GptPartitionTypes.Describe(p.TypeGuid), p.TypeGuid, p.UniqueGuid, p.FirstLba, p.LastLba,
                    p.ByteOffset, p.ByteLength, $"0x{p.Attributes.Value:x16}",
                    IsUsr(p) ? p.Attributes.Priority : null, IsUsr(p) ? p.Attributes.Tries : null, IsUsr(p) ? p.Attributes.Successful : null)).ToList(),
                next is null ? null : new NextBootReport(next.Label, next.Number, next.UniqueGuid)));
            return;
        }

        output.Table(["NUMBER", "LABEL", "TYPE", "SIZE", "PRIORITY", "TRIES", "SUCCESSFUL"],
            disk.Partitions.Select(p => (IReadOnlyList<string?>)[
                Number(p.Number), p.Label, GptPartitionTypes.Describe(p.TypeGuid), FlatcarLayout.FormatSize(p.ByteLength),
                IsUsr(p) ? Number(p.Attributes.Priority) : null,
                IsUsr(p) ? Number(p.Attributes.Tries) : null,
                IsUsr(p) ? (p.Attributes.Successful ? "1" : "0") : null]));
        output.Line(next is null
            ? "next boot: none (no usr partition has a priority above 0 with tries left or marked successful)"
            : $"next boot: {next.Label} (partition {Number(next.Number)}, uuid {next.UniqueGuid})");
        output.Line(disk.Health.NeedsRepair
            ? $"gpt: needs repair, read from the {disk.Health.ReadFrom}: {Problems(disk.Health)}; the next write or 'keelson disk repair' rewrites it"
            : "gpt: ok (primary and backup valid and identical)");
    }

    private static async Task ReportRepairAsync(GptHealth before, GptDisk disk, bool wrote)
    {
        if (wrote && before.NeedsRepair && !disk.Health.NeedsRepair)
        {
            await Console.Error.WriteLineAsync($"note: repaired {disk.Path}: {Problems(before)}");
        }
    }

    private static string Problems(GptHealth health) =>
        string.Join("; ", new[] { health.PrimaryProblem, health.BackupProblem }.Where(p => p is not null));

    private static List<SlotReport> Slots(GptDisk disk) =>
        [.. new[] { UsrSlotName.A, UsrSlotName.B }.Select(disk.FindSlot).OfType<UsrSlot>()
            .Select(s => new SlotReport(s.Name.ToString(), s.Label, s.PartitionNumber, s.PartitionUuid, s.Priority, s.Tries, s.Successful))];

    private static bool IsUsr(GptPartition partition) => partition.TypeGuid == GptPartitionTypes.CoreOsUsr;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<GptDisk> OpenWritableAsync(ParseResult parse, Argument<string> image, Option<int?> sectorSize, CancellationToken cancellationToken) =>
        await GptDisk.OpenAsync(parse.GetValue(image)!, writable: true, parse.GetValue(sectorSize), cancellationToken);

    private static Task<int> RunAsync(Func<Task> work) => CommandRunner.RunAsync(async () =>
    {
        try
        {
            await work();
        }
        catch (DiskException e)
        {
            throw new CliException(e.Message);
        }
    });

    private static ConsoleOutput Output(ParseResult parse) => new(parse.InvocationConfiguration.Output);

    private static Argument<string> ImageArgument() => new("IMG") { Description = "disk image file or block device" };

    private static Option<bool> JsonOption() => new("--json") { Description = "print JSON instead of text" };

    private static Option<int?> SectorSizeOption(string? description = null)
    {
        var option = new Option<int?>("--sector-size")
        {
            Description = description ?? "logical sector size of an image file: 512 or 4096 (default: where the GPT is found, else 512; block devices report their own)",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value is not (512 or 4096))
            {
                result.AddError($"--sector-size {value} is not 512 or 4096");
            }
        });
        return option;
    }

    /// <summary>Bytes, or a whole number with K, M, G or T (powers of 1024), optionally followed by "iB" or "B".</summary>
    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var value = text.Trim();
        var digits = 0;
        while (digits < value.Length && char.IsAsciiDigit(value[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(value.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var shift = value[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (shift < 0 || number > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }

    private sealed record DiskReport(
        string Path, long SizeBytes, int SectorSize, Guid DiskGuid, HealthReport Health, List<PartitionReport> Partitions, NextBootReport? NextBoot);

    private sealed record HealthReport(bool NeedsRepair, string ReadFrom, string? PrimaryProblem, string? BackupProblem);

    private sealed record PartitionReport(
        int Number, string Label, string Type, Guid TypeGuid, Guid UniqueGuid, long FirstLba, long LastLba, long Offset, long SizeBytes,
        string Attributes, int? Priority, int? Tries, bool? Successful);

    private sealed record NextBootReport(string Label, int PartitionNumber, Guid PartitionUuid);

    private sealed record BootReport(
        string? Slot, string Label, int PartitionNumber, Guid PartitionUuid, int Priority, int Tries, bool Successful, bool TriesDecremented);

    private sealed record SlotReport(string Slot, string Label, int Number, Guid PartitionUuid, int Priority, int Tries, bool Successful);
}
