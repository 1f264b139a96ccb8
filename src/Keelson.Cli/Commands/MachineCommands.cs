using System.CommandLine;
using System.Globalization;
using Keelson.Agent;
using Keelson.Agent.Configuration;
using Keelson.Agent.Daemon;
using Keelson.Agent.Simulation;
using Keelson.Agent.State;
using Keelson.Agent.Status;
using Keelson.Cli.Output;
using Keelson.Disks;

namespace Keelson.Cli.Commands;

/// <summary>
/// <c>keelson machine create|run|show</c>: simulated machines - a directory with a real disk image, identity,
/// update.conf and agent state - that run the real agent, so a fleet fits on one computer.
/// </summary>
internal static class MachineCommands
{
    public static Command Create()
    {
        var command = new Command("machine", "simulated machines on disk images, running the real agent");
        command.Subcommands.Add(CreateMachine());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Argument<string> DirectoryArgument() => new("DIR") { Description = "the machine's directory" };

    private static Command CreateMachine()
    {
        var directory = DirectoryArgument();
        var image = new Option<string>("--image") { Description = "the usr image (ext4 with share/coreos/release) to install in USR-A", Required = true };
        var server = new Option<string>("--server") { Description = "the update server (its URL, or its Omaha endpoint .../v1/update/)", Required = true };
        server.Validators.Add(result => CliParsing.ValidateHttpUrl(result, "--server"));
        var group = new Option<string>("--group") { Description = "the group (channel) to follow", DefaultValueFactory = _ => "stable" };
        var pubkey = new Option<string>("--pubkey") { Description = "the public key payloads must be signed with (KEY.pub)", Required = true };
        var diskSize = new Option<string>("--disk-size") { Description = "the disk image's size, e.g. 256M (default: slots twice the image)" };
        diskSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } text && !DiskCommands.TryParseSize(text, out _))
            {
                result.AddError($"--disk-size '{text}' is not a size such as 64M, 2G or 1048576");
            }
        });
        var strategy = CliParsing.AcceptOnly(
            new Option<string>("--reboot-strategy") { Description = "REBOOT_STRATEGY of update.conf" },
            RebootStrategyNames.Names);

        var etcd = new Option<string>("--etcd") { Description = "etcd client URLs of the reboot lock, comma-separated (LOCKSMITHD_ENDPOINT)" };
        var fleetLock = new Option<string>("--fleetlock") { Description = "the FleetLock server's base URL (KEELSON_FLEETLOCK_URL)" };
        fleetLock.Validators.Add(result => CliParsing.ValidateHttpUrl(result, "--fleetlock"));
        var lockGroup = new Option<string>("--lock-group") { Description = "the reboot lock's group (LOCKSMITHD_GROUP and KEELSON_FLEETLOCK_GROUP)" };
        var settings = new Option<string[]>("--set") { Description = "another update.conf line, KEY=value (repeatable), e.g. --set KEELSON_REBOOT_WINDOWS='daily 04:00 1h'" };

        var command = new Command("create", "create a machine: a Flatcar-layout disk with the image in USR-A, a machine id, update.conf and the trusted key")
        {
            directory, image, server, group, pubkey, diskSize, strategy, etcd, fleetLock, lockGroup, settings,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            long? size = parse.GetValue(diskSize) is { } text && DiskCommands.TryParseSize(text, out var bytes) ? bytes : null;
            RebootStrategy? chosen = RebootStrategyNames.TryParse(parse.GetValue(strategy), out var s) ? s : null;
            var extra = new List<string>();
            if (parse.GetValue(etcd) is { } endpoints)
            {
                extra.Add($"LOCKSMITHD_ENDPOINT={endpoints}");
            }

            if (parse.GetValue(fleetLock) is { } url)
            {
                extra.Add($"KEELSON_FLEETLOCK_URL={url}");
            }

            if (parse.GetValue(lockGroup) is { } name)
            {
                extra.Add($"LOCKSMITHD_GROUP={name}");
                extra.Add($"KEELSON_FLEETLOCK_GROUP={name}");
            }

            foreach (var line in parse.GetValue(settings) ?? [])
            {
                extra.Add(line.Contains('=', StringComparison.Ordinal) ? line : throw new CliException($"--set '{line}' is not KEY=value"));
            }

            SimulatedMachine machine;
            try
            {
                machine = await Guard(() => SimulatedMachine.CreateAsync(
                    parse.GetValue(directory)!, parse.GetValue(image)!, new Uri(parse.GetValue(server)!), parse.GetValue(group)!,
                    parse.GetValue(pubkey)!, size, chosen, extra, ct));
            }
            catch (UpdateConfigException e)
            {
                throw new CliException($"the machine's update.conf would be invalid: {e.Message}");
            }

            var release = await Guard(() => machine.ReadReleaseAsync(UsrSlotName.A, ct));
            var config = UpdateConfigReader.Read([machine.ConfigPath]);
            parse.InvocationConfiguration.Output.WriteLine(
                $"created machine {machine.Directory}: machine id {File.ReadAllText(machine.MachineIdPath).Trim()}, USR-A runs {release.Version}, group {config.Group}, server {config.Server}");
        }));
        return command;
    }

    private static Command Run()
    {
        var directory = DirectoryArgument();
        var interval = CliParsing.DurationOption("--check-interval", "the agent's first-check delay and check interval", "2s");
        var until = new Option<string>("--until-version") { Description = "stop once the machine runs this version, marked good and reported" };
        var boots = new Option<int?>("--boots") { Description = "stop once this many boots are done" };
        boots.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--boots must be at least 1");
            }
        });
        var timeout = CliParsing.DurationOption("--timeout", "give up after this long (exit 1)", "120s");

        var command = new Command("run", "boot the machine and run its agent, through its reboots, until a version, a number of boots or the timeout")
        {
            directory, interval, until, boots, timeout,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var machine = await Guard(() => Task.FromResult(SimulatedMachine.Open(parse.GetValue(directory)!)));
            using var loggers = AgentDaemon.Loggers(toStandardError: false);
            using var http = AgentDaemon.Http();
            var output = parse.InvocationConfiguration.Output;
            var runner = new MachineRunner(machine, http, loggers, output);
            MachineRunner.Outcome outcome;
            try
            {
                outcome = await runner.RunAsync(
                    CliParsing.Duration(parse.GetValue(interval)), parse.GetValue(until), parse.GetValue(boots), CliParsing.Duration(parse.GetValue(timeout)), ct);
            }
            catch (UpdateConfigException e)
            {
                throw new CliException($"bad configuration: {e.Message}");
            }
            catch (UpdateEngineException e)
            {
                throw new CliException(e.Message);
            }

            if (!outcome.Reached)
            {
                throw new CliException(outcome.Why);
            }

            await output.WriteLineAsync(outcome.Why);
        }));
        return command;
    }

    private static Command Show()
    {
        var directory = DirectoryArgument();
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var command = new Command("show", "the machine's booted slot, running version, slots and the agent's last status") { directory, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var machine = await Guard(() => Task.FromResult(SimulatedMachine.Open(parse.GetValue(directory)!)));
            var boot = machine.ReadBoot();
            var slots = new List<SlotView>();
            using (var disk = await GptDisk.OpenAsync(machine.DiskPath, cancellationToken: ct))
            {
                foreach (var slot in new[] { UsrSlotName.A, UsrSlotName.B }.Select(disk.GetSlot))
                {
                    var bootable = slot.Priority > 0 || slot.Successful || slot.Tries > 0;
                    var version = bootable ? await TryVersionAsync(machine, slot.Name, ct) : null;
                    slots.Add(new SlotView(slot.Label, slot.Priority, slot.Tries, slot.Successful, version));
                }
            }

            var store = new AgentStateStore(machine.StateDirectory);
            var status = File.Exists(store.StatusPath) ? AgentStatus.Parse(await File.ReadAllTextAsync(store.StatusPath, ct)) : null;
            var running = boot is null ? null : slots.First(s => s.Label == boot.Slot.Label()).Version;
            var machineId = File.ReadAllText(machine.MachineIdPath).Trim();
            var output = new ConsoleOutput(parse.InvocationConfiguration.Output);
            if (parse.GetValue(json))
            {
                output.Json(new MachineView(machine.Directory, machineId, boot?.Slot.Label(), boot?.Count, running, slots, status?.Format()));
                return;
            }

            output.Fields(
            [
                ("machine", machine.Directory),
                ("machine id", machineId),
                ("booted", boot is null ? "never" : $"{boot.Slot.Label()} (boot {boot.Count})"),
                ("running", running),
            ]);
            output.Line("");
            output.Table(["SLOT", "PRIORITY", "TRIES", "SUCCESSFUL", "VERSION"], slots.Select(s => (IReadOnlyList<string?>)
                [s.Label, s.Priority.ToString(CultureInfo.InvariantCulture), s.Tries.ToString(CultureInfo.InvariantCulture), s.Successful ? "1" : "0", s.Version]));
            output.Line("");
            output.Line(status is null ? "the agent has not run yet" : "agent status:\n" + AgentCommands.ForPeople(status, DateTimeOffset.UtcNow).Format().TrimEnd());
        }));
        return command;
    }

    private static async Task<string?> TryVersionAsync(SimulatedMachine machine, UsrSlotName slot, CancellationToken cancellationToken)
    {
        try
        {
            return (await machine.ReadReleaseAsync(slot, cancellationToken)).Version;
        }
        catch (UpdateEngineException)
        {
            return "(unreadable)";
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (UpdateEngineException e)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DiskException or Payloads.PayloadException)
        {
            throw new CliException(e.Message);
        }
    }

    private sealed record SlotView(string Label, int Priority, int Tries, bool Successful, string? Version);

    private sealed record MachineView(string Directory, string MachineId, string? Booted, int? Boots, string? Running, IReadOnlyList<SlotView> Slots, string? AgentStatus);
}
