using System.Globalization;
using System.Security.Cryptography;
using Keelson.Agent.Configuration;
using Keelson.Agent.Host;
using Keelson.Agent.State;
using Keelson.Disks;
using Keelson.Omaha;

namespace Keelson.Agent.Simulation;

/// <summary>
/// A machine in a directory: a GPT disk image in the Flatcar layout whose usr slots hold real ext4 images, its
/// <c>etc/machine-id</c>, <c>etc/coreos/update.conf</c>, trusted key and the agent's state. Booting runs the
/// bootloader's gptprio selection on the image; the running version is read from the booted slot's own filesystem.
/// </summary>
/// <remarks>
/// Layout: <c>disk.img</c>, <c>etc/machine-id</c>, <c>etc/coreos/update.conf</c>, <c>etc/keelson/trusted.pub</c>,
/// <c>var/lib/keelson/</c> (the agent's state, status and socket), <c>run/boot</c> (the current boot: slot, boot id,
/// boot count).
/// </remarks>
public sealed class SimulatedMachine
{
    private const long MiB = 1024 * 1024;

    private SimulatedMachine(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    public string DiskPath => Path.Combine(Directory, "disk.img");

    public string MachineIdPath => Path.Combine(Directory, "etc", "machine-id");

    public string ConfigPath => Path.Combine(Directory, "etc", "coreos", "update.conf");

    public string TrustedKeyPath => Path.Combine(Directory, "etc", "keelson", "trusted.pub");

    public string OemReleasePath => Path.Combine(Directory, "etc", "oem-release");

    public string StateDirectory => Path.Combine(Directory, "var", "lib", "keelson");

    public string BootPath => Path.Combine(Directory, "run", "boot");

    /// <summary>The machine in <paramref name="directory"/>, which must have been created.</summary>
    public static SimulatedMachine Open(string directory)
    {
        var machine = new SimulatedMachine(directory);
        if (!File.Exists(machine.DiskPath) || !File.Exists(machine.ConfigPath))
        {
            throw new UpdateEngineException($"{machine.Directory} is not a machine (no disk.img and etc/coreos/update.conf); create it with keelson machine create", OmahaErrorCodes.MachineSetupError, isTransient: false);
        }

        return machine;
    }

    /// <summary>
    /// Creates a machine whose USR-A holds <paramref name="usrImage"/> (marked good, priority 1) and whose USR-B is
    /// empty, following <paramref name="group"/> on the Omaha server at <paramref name="server"/>.
    /// </summary>
    /// <param name="diskSize">The disk's size; null for the smallest Flatcar layout whose slots hold twice the image (room to grow).</param>
    /// <param name="extraSettings">More update.conf lines (KEY=value), e.g. the reboot lock's settings.</param>
    public static async Task<SimulatedMachine> CreateAsync(
        string directory, string usrImage, Uri server, string group, string publicKey, long? diskSize, RebootStrategy? strategy,
        IReadOnlyList<string> extraSettings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var machine = new SimulatedMachine(directory);
        if (System.IO.Directory.Exists(machine.Directory) && System.IO.Directory.EnumerateFileSystemEntries(machine.Directory).Any())
        {
            throw new UpdateEngineException($"{machine.Directory} already exists and is not empty", OmahaErrorCodes.MachineSetupError, isTransient: false);
        }

        if (!File.Exists(usrImage))
        {
            throw new UpdateEngineException($"the usr image {usrImage} does not exist", OmahaErrorCodes.MachineSetupError, isTransient: false);
        }

        try
        {
            var release = await SlotFilesystem.ReadReleaseAsync(usrImage, 0, cancellationToken);
            var imageLength = new FileInfo(usrImage).Length;
            var key = await File.ReadAllTextAsync(publicKey, cancellationToken);
            Payloads.PayloadPublicKey.ImportPem(key, publicKey);

            System.IO.Directory.CreateDirectory(machine.Directory);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(machine.ConfigPath)!);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(machine.TrustedKeyPath)!);
            System.IO.Directory.CreateDirectory(machine.StateDirectory);
            var size = diskSize ?? SizeFor(2 * imageLength);
            using (var disk = await FlatcarLayout.CreateImageAsync(machine.DiskPath, size, cancellationToken: cancellationToken))
            {
                var slotA = disk.GetSlot(UsrSlotName.A);
                if (slotA.ByteLength < imageLength)
                {
                    throw new UpdateEngineException(
                        $"a {FlatcarLayout.FormatSize(size)} disk has {FlatcarLayout.FormatSize(slotA.ByteLength)} usr slots, too small for the {imageLength}-byte image", OmahaErrorCodes.MachineSetupError, isTransient: false);
                }

                await using var target = disk.OpenSlotStream(UsrSlotName.A, writable: true);
                await using var source = File.OpenRead(usrImage);
                await source.CopyToAsync(target, cancellationToken);
                await target.FlushAsync(cancellationToken);
            }

            await File.WriteAllTextAsync(machine.MachineIdPath, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n", cancellationToken);
            await File.WriteAllTextAsync(machine.TrustedKeyPath, key, cancellationToken);
            var omaha = server.AbsolutePath is "" or "/" ? new Uri(server, "/v1/update/") : server;
            var conf = $"# A simulated machine made by keelson machine create from {release.Version}\nGROUP={group}\nSERVER={omaha}\nKEELSON_TRUSTED_KEYS={machine.TrustedKeyPath}\n";
            if (strategy is { } chosen)
            {
                conf += $"REBOOT_STRATEGY={chosen.Name()}\n";
            }

            conf += string.Concat(extraSettings.Select(line => line + "\n"));

            await File.WriteAllTextAsync(machine.ConfigPath, conf, cancellationToken);
            // The settings must make a configuration the agent accepts: a bad one is refused now, not at the first boot.
            UpdateConfigReader.Read([machine.ConfigPath]);
        }
        catch
        {
            // Nothing half-made stays behind: the directory was empty or absent.
            if (System.IO.Directory.Exists(machine.Directory))
            {
                System.IO.Directory.Delete(machine.Directory, recursive: true);
            }

            throw;
        }

        return machine;
    }

    /// <summary>The smallest whole-MiB disk whose usr slots hold <paramref name="slotBytes"/>.</summary>
    private static long SizeFor(long slotBytes)
    {
        var size = Math.Max(FlatcarLayout.MinimumSize, (slotBytes * 3 + MiB - 1) / MiB * MiB);
        while (FlatcarLayout.Plan(size).First(p => p.Label == "USR-A") is var usr && (usr.LastLba - usr.FirstLba + 1) * 512 < slotBytes)
        {
            size = (size + size / 4 + MiB - 1) / MiB * MiB;
        }

        return size;
    }

    /// <summary>
    /// Boots: the bootloader's gptprio selection on the disk (a try is used up when the winner has tries), a new boot
    /// id, and the boot recorded in <c>run/boot</c>. With <paramref name="kexecInto"/>, a kexec: that slot comes up
    /// without the bootloader, so nothing on the disk changes.
    /// </summary>
    public async Task<BootRecord> BootAsync(CancellationToken cancellationToken, UsrSlotName? kexecInto = null)
    {
        UsrSlot? slot;
        using (var disk = await GptDisk.OpenAsync(DiskPath, writable: kexecInto is null, cancellationToken: cancellationToken))
        {
            slot = kexecInto is { } direct ? disk.GetSlot(direct) : (await disk.BootAsync(cancellationToken)).Slot;
        }

        if (slot is null)
        {
            throw new UpdateEngineException($"{DiskPath} has no bootable usr slot: the machine does not come up", OmahaErrorCodes.MachineSetupError, isTransient: false);
        }

        var previous = ReadBoot();
        var record = new BootRecord(slot.Name, Guid.NewGuid(), (previous?.Count ?? 0) + 1);
        // Atomic: a machine killed while booting must still find a whole boot record (or the previous one).
        AtomicFile.Write(BootPath, System.Text.Encoding.UTF8.GetBytes(record.Format()));
        return record;
    }

    /// <summary>The current boot, or null before the first.</summary>
    public BootRecord? ReadBoot() => File.Exists(BootPath) ? BootRecord.Parse(File.ReadAllText(BootPath), BootPath) : null;

    /// <summary>The release in a slot.</summary>
    public async Task<ReleaseInfo> ReadReleaseAsync(UsrSlotName name, CancellationToken cancellationToken)
    {
        long offset;
        using (var disk = await GptDisk.OpenAsync(DiskPath, cancellationToken: cancellationToken))
        {
            offset = disk.GetSlot(name).ByteOffset;
        }

        return await SlotFilesystem.ReadReleaseAsync(DiskPath, offset, cancellationToken);
    }

    /// <summary>One boot of the machine.</summary>
    public sealed record BootRecord(UsrSlotName Slot, Guid BootId, int Count)
    {
        public string Format() => string.Create(CultureInfo.InvariantCulture, $"SLOT={Slot}\nBOOT_ID={BootId}\nCOUNT={Count}\n");

        public static BootRecord Parse(string text, string source)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var parts in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('=', 2)))
            {
                if (parts.Length != 2 || !values.TryAdd(parts[0], parts[1].Trim()))
                {
                    throw new UpdateEngineException($"{source} is not a boot record (SLOT=, BOOT_ID=, COUNT=)", OmahaErrorCodes.MachineSetupError, isTransient: false);
                }
            }

            if (!values.TryGetValue("SLOT", out var slotText) || !UsrSlotNames.TryParse(slotText, out var slot)
                || !values.TryGetValue("BOOT_ID", out var idText) || !Guid.TryParse(idText, out var id)
                || !values.TryGetValue("COUNT", out var countText) || !int.TryParse(countText, CultureInfo.InvariantCulture, out var count))
            {
                throw new UpdateEngineException($"{source} is not a boot record (SLOT=, BOOT_ID=, COUNT=)", OmahaErrorCodes.MachineSetupError, isTransient: false);
            }

            return new BootRecord(slot, id, count);
        }
    }
}
