using System.Globalization;
using System.Text.RegularExpressions;
using Keelson.Disks.Boot;
using Xunit.Sdk;

namespace Keelson.Disks.Tests.Boot;

/// <summary>
/// Boots a <see cref="BootTestMachine"/> with real GRUB: grub-emu (Debian package grub-emu) runs the generated
/// grub.cfg from the disk image's own ESP partition, a FAT filesystem (mkfs.vfat from dosfstools, files copied with
/// mtools) filled from the machine's ESP folder, and writes grubenv there with its own save_env. grub-emu has no
/// <c>linux</c> command, so the slot it picks is read from the script's "keelson: booting USR-X" line, after which the
/// script halts; grubenv is copied back to the ESP folder, so that the backend sees what GRUB counted.
/// </summary>
internal static partial class GrubEmu
{
    public static async Task<UsrSlotName?> BootAsync(BootTestMachine machine, Action<string>? log = null)
    {
        var work = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(machine.Esp)!, "grub-emu")).FullName;
        long offset, size;
        using (var disk = await GptDisk.OpenAsync(machine.Disk))
        {
            var esp = disk.Partitions.Single(p => p.TypeGuid == GptPartitionTypes.EfiSystem);
            (offset, size) = (esp.ByteOffset, esp.ByteLength);
        }

        // A fresh FAT filesystem holding exactly the ESP folder, written into the ESP partition.
        var fat = Path.Combine(work, "esp.fat");
        File.Delete(fat);
        await using (var file = File.Create(fat))
        {
            file.SetLength(size);
        }

        await ExternalTool.SucceedAsync("mkfs.vfat", fat);
        var top = Directory.GetFileSystemEntries(machine.Esp);
        if (top.Length > 0)
        {
            await ExternalTool.SucceedAsync("mcopy", ["-s", "-i", fat, .. top, "::/"]);
        }

        await using (var disk = new FileStream(machine.Disk, FileMode.Open, FileAccess.Write))
        {
            disk.Position = offset;
            await using var source = File.OpenRead(fat);
            await source.CopyToAsync(disk);
        }

        var prefix = Directory.CreateDirectory(Path.Combine(work, "prefix")).FullName;
        await File.WriteAllTextAsync(Path.Combine(prefix, "grub.cfg"), "insmod part_gpt\ninsmod fat\nset root=(hd0,gpt1)\nconfigfile /EFI/BOOT/grub.cfg\n");
        var deviceMap = Path.Combine(work, "device.map");
        await File.WriteAllTextAsync(deviceMap, $"(hd0) {machine.Disk}\n");

        var result = await ExternalTool.RunAsync("timeout", "30", "grub-emu", "-d", prefix, "-m", deviceMap);
        var output = Ansi().Replace(result.StandardOutput + result.StandardError, "");
        log?.Invoke(output);
        if (result.ExitCode != 0)
        {
            throw new XunitException($"grub-emu (Debian package grub-emu) did not halt by itself:\n{result}\n{output}");
        }

        var espAt = $"{machine.Disk}@@{offset.ToString(CultureInfo.InvariantCulture)}";
        var grubenv = EspLayout.Local(machine.Esp, EspLayout.GrubEnvPath);
        if (File.Exists(grubenv))
        {
            await ExternalTool.SucceedAsync("mcopy", "-o", "-n", "-i", espAt, "::/keelson/grubenv", grubenv);
        }

        var booted = Booting().Match(output);
        if (booted.Success)
        {
            return booted.Groups[1].Value == "A" ? UsrSlotName.A : UsrSlotName.B;
        }

        return output.Contains("keelson: nothing to boot", StringComparison.Ordinal)
            ? null
            : throw new XunitException($"grub-emu ran neither into a slot nor into 'nothing to boot':\n{output}");
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();

    [GeneratedRegex("keelson: booting USR-([AB])")]
    private static partial Regex Booting();
}
