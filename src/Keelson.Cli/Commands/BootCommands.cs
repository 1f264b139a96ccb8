using System.CommandLine;
using System.Globalization;
using Keelson.Cli.Output;
using Keelson.Disks;
using Keelson.Disks.Boot;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson boot grub-config | init | show | select | mark-installed | mark-good | prioritize | disable | count-try</c>:
/// the boot backends' state, for an image builder (generate grub.cfg, set up a freshly imaged disk's ESP, install a
/// slot) and an operator (show the state, simulate one boot, mark good, roll back by hand, prepare a kexec). Each
/// change is the backend's own operation, the one the agent uses.
/// The ESP is a mounted folder (<c>--esp</c>); the slots and their PARTUUIDs come from the disk's GPT (<c>--disk</c>).
/// </summary>
internal static class BootCommands
{
    public static Command Create() => new("boot", "the boot backends' state on an ESP: grub.cfg, first set-up, state, one simulated boot")
    {
        GrubConfigCommand(), Init(), Show(), Select(), MarkInstalled(), MarkGood(), Prioritize(), Disable(), CountTry(),
    };

    private static Command GrubConfigCommand()
    {
        var disk = DiskOption();
        var commandLine = CommandLineOption();
        var output = new Option<string>("--out") { Description = "write grub.cfg to FILE instead of printing it" };
        var command = new Command("grub-config", "print the grub.cfg of the grub-env backend for the disk's slots: GRUB picks the slot from /keelson/grubenv itself")
        {
            disk, commandLine, output,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var config = await GrubConfig.GenerateAsync(parse.GetValue(disk)!, parse.GetValue(commandLine)!, ct);
            if (parse.GetValue(output) is not { } path)
            {
                await parse.InvocationConfiguration.Output.WriteAsync(config);
                return;
            }

            await WriteFileAsync(path, config, ct);
            Output(parse).Line($"wrote {path}");
        }));
        return command;
    }

    private static Command Init()
    {
        var backend = BackendOption(["grub-env", "systemd-boot"], required: true);
        var esp = EspOption();
        var disk = DiskOption();
        var kernel = new Option<string>("--kernel") { Description = "slot A's kernel (copied to /keelson/A/vmlinuz on the ESP)", Required = true };
        var initrd = new Option<string>("--initrd") { Description = "slot A's initrd (copied to /keelson/A/initrd)" };
        var version = new Option<string>("--version") { Description = "the release slot A holds", Required = true };
        var commandLine = CommandLineOption();
        var command = new Command("init", "set up the ESP of a freshly imaged disk: A good and first with its kernel, B empty (grub-env: grubenv and grub.cfg; systemd-boot: loader.conf and A's entry)")
        {
            backend, esp, disk, kernel, initrd, version, commandLine,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var kind = BootBackends.Parse(parse.GetValue(backend)!)!.Value;
            var espDirectory = parse.GetValue(esp)!;
            var slotA = new SlotKernel(parse.GetValue(version)!, parse.GetValue(kernel)!, parse.GetValue(initrd), parse.GetValue(commandLine)!);
            await BootBackends.InitializeAsync(kind, parse.GetValue(disk)!, espDirectory, slotA, ct);
            Output(parse).Line($"{kind.Name()}: set up {espDirectory} with USR-A {slotA.Version} good and first, USR-B empty");
        }));
        return command;
    }

    private static Command Show()
    {
        var backend = BackendOption(BootBackends.Names, required: false);
        var esp = EspOption();
        var disk = DiskOption();
        var json = JsonOption();
        var command = new Command("show", "both slots' boot state as the backend's bootloader will read it at the next boot (writes nothing)")
        {
            backend, esp, disk, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var kind = BootBackends.Parse(parse.GetValue(backend)!)!.Value;
            var diskPath = parse.GetValue(disk)!;
            var state = await BootBackends.Open(kind, diskPath, parse.GetValue(esp)!).ReadAsync(ct);
            var uuids = await PartitionUuidsAsync(diskPath, ct);
            var slots = new[] { state.A, state.B }
                .Select(s => new SlotReport(s.Slot.ToString(), s.Slot.Label(), uuids[s.Slot], s.Priority, s.TriesLeft, s.Good, s.Bootable, s.Version))
                .ToList();
            var next = state.Next;
            var output = Output(parse);
            if (parse.GetValue(json))
            {
                output.Json(new StateReport(kind.Name(), slots, next is null ? null : new NextReport(next.Slot.Label(), uuids[next.Slot], !next.Good)));
                return;
            }

            output.Table(["SLOT", "PARTUUID", "PRIORITY", "TRIES", "GOOD", "VERSION"],
                slots.Select(s => (IReadOnlyList<string?>)[s.Label, s.PartitionUuid.ToString(), Number(s.Priority), Number(s.TriesLeft), s.Good ? "1" : "0", s.Version]));
            output.Line(next is null
                ? "next boot: none (no slot is good or has a try left with its kernel in place)"
                : $"next boot: {next.Slot.Label()} ({(next.Good ? "good" : $"on trial, {Number(next.TriesLeft)} {(next.TriesLeft == 1 ? "try" : "tries")} left")})");
        }));
        return command;
    }

    private static Command Select()
    {
        var backend = BackendOption(BootBackends.Names, required: false);
        var esp = EspOption();
        var disk = DiskOption();
        var json = JsonOption();
        var command = new Command("select", "one boot as the backend's bootloader makes it (GRUB's gptprio, the generated grub.cfg, systemd-boot): counts the try, prints the slot and its partition uuid")
        {
            backend, esp, disk, json,
        };
        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var kind = BootBackends.Parse(parse.GetValue(backend)!)!.Value;
            var diskPath = parse.GetValue(disk)!;
            var simulator = (IBootSimulator)BootBackends.Open(kind, diskPath, parse.GetValue(esp)!);
            var boot = await simulator.SimulateBootAsync(ct)
                ?? throw new CliException($"nothing to boot: {kind.Name()} finds no slot that is good or has a try left (with its kernel in place) on {diskPath}");
            var output = Output(parse);
            if (parse.GetValue(json))
            {
                output.Json(new SelectReport(boot.Slot.ToString(), boot.Slot.Label(), boot.PartitionUuid, boot.TryCounted));
                return;
            }

            output.Line($"{boot.Slot.Label()} {boot.PartitionUuid}");
        }));
        return command;
    }

    private static Command MarkInstalled()
    {
        var kernel = new Option<string>("--kernel") { Description = "the slot's kernel, copied to /keelson/<SLOT>/vmlinuz on the ESP (grub-env, systemd-boot)" };
        var initrd = new Option<string>("--initrd") { Description = "the slot's initrd, copied to /keelson/<SLOT>/initrd" };
        var version = new Option<string>("--version") { Description = "the release the slot holds (names the systemd-boot entry)" };
        var commandLine = CommandLineOption();
        return SlotCommand(
            "mark-installed", "after writing an image into the slot: one try, not good, boots next (what the agent does after an install)",
            [kernel, initrd, version, commandLine],
            async (parse, backend, slot, ct) =>
            {
                SlotKernel? slotKernel = null;
                if (backend.NeedsKernel)
                {
                    var kernelPath = parse.GetValue(kernel) ?? throw new CliException($"--kernel is required: {backend.Kind.Name()} loads the slot's kernel from the ESP");
                    var release = parse.GetValue(version) ?? throw new CliException($"--version is required with {backend.Kind.Name()}");
                    slotKernel = new SlotKernel(release, kernelPath, parse.GetValue(initrd), parse.GetValue(commandLine)!);
                }

                await backend.MarkInstalledAsync(slot, slotKernel, ct);
                return $"marked {slot.Label} installed: it boots next, once";
            });
    }

    private static Command MarkGood() => SlotCommand(
        "mark-good", "the booted slot is healthy: good, boots first from now on", [],
        async (_, backend, slot, ct) =>
        {
            await backend.MarkGoodAsync(slot, ct);
            return $"marked {slot.Label} good";
        });

    private static Command Prioritize() => SlotCommand(
        "prioritize", "a rollback by hand: the slot boots next (with one try when it was never marked good)", [],
        async (_, backend, slot, ct) =>
        {
            await backend.PrioritizeAsync(slot, ct);
            return $"prioritized {slot.Label}";
        });

    private static Command Disable() => SlotCommand(
        "disable", "make the slot unbootable (before writing an image into it); removes its kernel from the ESP", [],
        async (_, backend, slot, ct) =>
        {
            await backend.DisableAsync(slot, ct);
            return $"disabled {slot.Label}";
        });

    private static Command CountTry() => SlotCommand(
        "count-try", "for a kexec: count the slot's try as the bootloader would and print the kernel, initrd and command line to load", [],
        async (_, backend, slot, ct) =>
        {
            var target = await backend.CountTryAsync(slot, ct)
                ?? throw new CliException($"the {backend.Kind.Name()} backend's bootloader knows the kernels, Keelson does not: no kexec target");
            return $"kernel: {target.KernelPath}\ninitrd: {target.InitrdPath ?? "-"}\ncmdline: {target.CommandLine}";
        });

    /// <summary>A command that changes one slot through the backend and prints what it did and the state after.</summary>
    private static Command SlotCommand(
        string name, string description, Option[] extra, Func<ParseResult, IBootBackend, UsrSlot, CancellationToken, Task<string>> change)
    {
        var backend = BackendOption(BootBackends.Names, required: false);
        var esp = EspOption();
        var disk = DiskOption();
        var slot = new Option<string>("--slot") { Description = "A or B", Required = true };
        slot.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !UsrSlotNames.TryParse(text, out _))
            {
                result.AddError($"--slot '{text}' is not A or B");
            }
        });
        var command = new Command(name, description) { backend, esp, disk, slot };
        foreach (var option in extra)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(async () =>
        {
            var kind = BootBackends.Parse(parse.GetValue(backend)!)!.Value;
            var diskPath = parse.GetValue(disk)!;
            UsrSlotNames.TryParse(parse.GetValue(slot), out var slotName);
            UsrSlot target;
            using (var gpt = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: ct))
            {
                target = gpt.GetSlot(slotName);
            }

            Output(parse).Line(await change(parse, BootBackends.Open(kind, diskPath, parse.GetValue(esp)!), target, ct));
        }));
        return command;
    }

    private static async Task<Dictionary<UsrSlotName, Guid>> PartitionUuidsAsync(string diskPath, CancellationToken cancellationToken)
    {
        using var disk = await GptDisk.OpenAsync(diskPath, writable: false, cancellationToken: cancellationToken);
        return new() { [UsrSlotName.A] = disk.GetSlot(UsrSlotName.A).PartitionUuid, [UsrSlotName.B] = disk.GetSlot(UsrSlotName.B).PartitionUuid };
    }

    private static async Task WriteFileAsync(string path, string text, CancellationToken cancellationToken)
    {
        try
        {
            await File.WriteAllTextAsync(path, text, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write {path}: {e.Message}");
        }
    }

    private static Option<string> BackendOption(IReadOnlyList<string> names, bool required)
    {
        var option = new Option<string>("--backend")
        {
            Description = $"where the slot choice lives: {string.Join(", ", names)}",
            Required = required,
        };
        if (!required)
        {
            option.DefaultValueFactory = _ => BootBackendKind.Gptprio.Name();
        }

        return CliParsing.AcceptOnly(option, names);
    }

    private static Option<string> EspOption() => new("--esp")
    {
        Description = "where the ESP is mounted; gptprio does not use it",
        DefaultValueFactory = _ => BootBackends.DefaultEspDirectory,
    };

    private static Option<string> DiskOption() => new("--disk") { Description = "the disk image or block device holding USR-A and USR-B", Required = true };

    private static Option<string> CommandLineOption()
    {
        var option = new Option<string>("--cmdline")
        {
            Description = "the kernel command line without mount.usr= (added for each slot), e.g. \"console=ttyS0 panic=-1\"",
            DefaultValueFactory = _ => "",
        };
        option.Validators.Add(result =>
        {
            try
            {
                GrubConfig.ValidateCommandLine(result.GetValueOrDefault<string>() ?? "");
            }
            catch (ArgumentException e)
            {
                result.AddError($"--cmdline: {e.Message.Split(" (Parameter", 2)[0]}");
            }
        });
        return option;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "print JSON instead of text" };

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static ConsoleOutput Output(ParseResult parse) => new(parse.InvocationConfiguration.Output);

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
        catch (ArgumentException e)
        {
            throw new CliException(e.Message.Split(" (Parameter", 2)[0]);
        }
    });

    private sealed record SlotReport(string Slot, string Label, Guid PartitionUuid, int Priority, int TriesLeft, bool Good, bool Bootable, string? Version);

    private sealed record NextReport(string Label, Guid PartitionUuid, bool OnTrial);

    private sealed record StateReport(string Backend, List<SlotReport> Slots, NextReport? NextBoot);

    private sealed record SelectReport(string Slot, string Label, Guid PartitionUuid, bool TryCounted);
}
