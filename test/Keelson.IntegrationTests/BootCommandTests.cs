using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson boot ...</c> as an image builder and an operator run it, on a disk image and a folder standing for
/// its ESP; GRUB's files checked with grub-script-check and grub-editenv (grub-common).
/// </summary>
public sealed class BootCommandTests(ITestOutputHelper log)
{
    private const string UsrA = "7130c94a-213a-4e5a-8e26-6cce9662f132";
    private const string UsrB = "e03dd35c-7c2d-4a47-b3fe-27f15780a57c";

    [Fact]
    public async Task Grub_env_an_image_builder_sets_up_the_esp_and_an_update_boots_once_falls_back_and_stays_when_good()
    {
        await using var keelson = new KeelsonProcess(log);
        var (disk, esp, kernel) = await CreateAsync(keelson);
        string[] at = ["--backend", "grub-env", "--esp", esp, "--disk", disk];

        await keelson.SucceedAsync(["boot", "init", .. at, "--kernel", kernel, "--version", "1.0.0", "--cmdline", "console=ttyS0 panic=-1"]);
        var printed = (await keelson.SucceedAsync("boot", "grub-config", "--disk", disk, "--cmdline", "console=ttyS0 panic=-1")).StandardOutput;
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(esp, "EFI/BOOT/grub.cfg")), printed);
        await keelson.SucceedAsync("boot", "grub-config", "--disk", disk, "--cmdline", "console=ttyS0 panic=-1", "--out", keelson.PathOf("grub.cfg"));
        await RunToolAsync("grub-script-check", keelson.PathOf("grub.cfg"));
        Assert.Contains($"mount.usr=PARTUUID={UsrB}", printed, StringComparison.Ordinal);
        Assert.Equal($"USR-A {UsrA}", await SelectAsync(keelson, at));

        await keelson.SucceedAsync(["boot", "disable", .. at, "--slot", "B"]);
        await keelson.SucceedAsync(["boot", "mark-installed", .. at, "--slot", "B", "--kernel", kernel, "--version", "1.1.0"]);
        var show = (await keelson.SucceedAsync(["boot", "show", .. at])).StandardOutput;
        Assert.Contains("next boot: USR-B (on trial, 1 try left)", show, StringComparison.Ordinal);
        Assert.Equal($"USR-B {UsrB}", await SelectAsync(keelson, at));
        Assert.Contains("KEELSON_B_TRY=0\n", (await RunToolAsync("grub-editenv", Path.Combine(esp, "keelson/grubenv"), "list")).StandardOutput, StringComparison.Ordinal);
        Assert.Equal($"USR-A {UsrA}", await SelectAsync(keelson, at));
        Assert.Equal($"USR-A {UsrA}", await SelectAsync(keelson, at));

        await keelson.SucceedAsync(["boot", "mark-installed", .. at, "--slot", "B", "--kernel", kernel, "--version", "1.1.1"]);
        Assert.Equal($"USR-B {UsrB}", await SelectAsync(keelson, at));
        Assert.Contains("marked USR-B good", (await keelson.SucceedAsync(["boot", "mark-good", .. at, "--slot", "B"])).StandardOutput, StringComparison.Ordinal);
        Assert.Equal($"USR-B {UsrB}", await SelectAsync(keelson, at));

        await keelson.SucceedAsync(["boot", "prioritize", .. at, "--slot", "A"]);
        Assert.Equal($"USR-A {UsrA}", await SelectAsync(keelson, at));
        var json = Json.Parse((await keelson.SucceedAsync(["boot", "show", .. at, "--json"])).StandardOutput);
        Assert.Equal("grub-env", json.GetProperty("backend").GetString());
        Assert.Equal("USR-A", json.GetProperty("nextBoot").GetProperty("label").GetString());
        Assert.Equal("1.1.1", Json.Find(json.GetProperty("slots"), "label", "USR-B").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Systemd_boot_an_update_counted_for_a_kexec_falls_back_when_not_marked_good()
    {
        await using var keelson = new KeelsonProcess(log);
        var (disk, esp, kernel) = await CreateAsync(keelson);
        string[] at = ["--backend", "systemd-boot", "--esp", esp, "--disk", disk];

        await keelson.SucceedAsync(["boot", "init", .. at, "--kernel", kernel, "--initrd", kernel, "--version", "1.0.0", "--cmdline", "console=ttyS0"]);
        Assert.Equal(["keelson-1.0.0-A.conf"], Directory.GetFiles(Path.Combine(esp, "loader/entries")).Select(Path.GetFileName));
        await keelson.SucceedAsync(["boot", "mark-installed", .. at, "--slot", "B", "--kernel", kernel, "--version", "1.1.0", "--cmdline", "console=ttyS0"]);

        var target = (await keelson.SucceedAsync(["boot", "count-try", .. at, "--slot", "B"])).StandardOutput;

        Assert.Equal(
            $"kernel: {Path.Combine(esp, "keelson/B/vmlinuz")}\ninitrd: -\ncmdline: console=ttyS0 mount.usr=PARTUUID={UsrB}\n",
            target);
        Assert.True(File.Exists(Path.Combine(esp, "loader/entries/keelson-1.1.0-B+0-1.conf")));
        Assert.Equal($"USR-A {UsrA}", await SelectAsync(keelson, at));
        Assert.Contains("next boot: USR-A (good)", (await keelson.SucceedAsync(["boot", "show", .. at])).StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_what_is_wrong()
    {
        await using var keelson = new KeelsonProcess(log);
        var (disk, esp, kernel) = await CreateAsync(keelson);
        string[] at = ["--backend", "grub-env", "--esp", esp, "--disk", disk];

        await ExpectAsync(keelson, 2, "--backend 'grub' is not one of", ["boot", "show", "--backend", "grub", "--disk", disk]);
        await ExpectAsync(keelson, 2, "--backend 'gptprio' is not one of: grub-env, systemd-boot", ["boot", "init", "--backend", "gptprio", "--disk", disk, "--kernel", kernel, "--version", "1"]);
        await ExpectAsync(keelson, 2, "a single quote", ["boot", "grub-config", "--disk", disk, "--cmdline", "it's"]);
        await ExpectAsync(keelson, 2, "--slot 'C' is not A or B", ["boot", "mark-good", .. at, "--slot", "C"]);
        await ExpectAsync(keelson, 1, "--kernel is required", ["boot", "mark-installed", .. at, "--slot", "B", "--version", "1"]);
        await ExpectAsync(keelson, 1, "missing.vmlinuz", ["boot", "init", .. at, "--kernel", keelson.PathOf("missing.vmlinuz"), "--version", "1"]);

        await keelson.SucceedAsync(["boot", "init", .. at, "--kernel", kernel, "--version", "1.0.0"]);
        var grubenv = Path.Combine(esp, "keelson/grubenv");
        await File.WriteAllTextAsync(grubenv, "# GRUB Environment Block\nbroken");
        await ExpectAsync(keelson, 1, $"{grubenv} is not a GRUB environment block", ["boot", "show", .. at]);

        var noSlotGood = "# GRUB Environment Block\nKEELSON_A_GOOD=0\n";
        await File.WriteAllTextAsync(grubenv, noSlotGood + new string('#', 1024 - noSlotGood.Length));
        await ExpectAsync(keelson, 1, "nothing to boot", ["boot", "select", .. at]);
    }

    private static async Task<(string Disk, string Esp, string Kernel)> CreateAsync(KeelsonProcess keelson)
    {
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        var esp = Directory.CreateDirectory(keelson.PathOf("esp")).FullName;
        var kernel = keelson.PathOf("vmlinuz");
        await File.WriteAllTextAsync(kernel, "a kernel");
        return (disk, esp, kernel);
    }

    private static async Task<string> SelectAsync(KeelsonProcess keelson, string[] at) =>
        (await keelson.SucceedAsync(["boot", "select", .. at])).StandardOutput.Trim();

    private static async Task ExpectAsync(KeelsonProcess keelson, int exitCode, string message, string[] arguments)
    {
        var result = await keelson.RunAsync(arguments);
        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<ProcessResult> RunToolAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(program, arguments), KeelsonProcess.CommandTimeout);
        return result.ExitCode == 0 ? result : throw new XunitException($"expected exit 0:\n{result}");
    }
}
