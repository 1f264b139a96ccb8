using System.Globalization;
using System.Security.Cryptography;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson disk ...</c> as a user runs it, on image files, checked with the independent tools sgdisk and cgpt
/// (a missing tool fails the test).
/// </summary>
public sealed class DiskCommandTests(ITestOutputHelper log)
{
    private const string UsrA = "7130c94a-213a-4e5a-8e26-6cce9662f132";
    private const string UsrB = "e03dd35c-7c2d-4a47-b3fe-27f15780a57c";
    private const long DiskSize = 64 * 1024 * 1024;

    [Fact]
    public async Task An_update_boots_once_falls_back_when_not_marked_good_and_stays_when_marked_good()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");

        var created = await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        Assert.Contains("created", created.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("next boot: USR-A", created.StandardOutput, StringComparison.Ordinal);
        await AssertSgdiskFindsNoProblemsAsync(disk);
        Assert.Equal((1, 0, 1), await CgptAsync(disk, 3));
        Assert.Equal((0, 0, 0), await CgptAsync(disk, 4));
        Assert.Equal($"USR-A {UsrA}", await BootAsync(keelson, disk));

        // Postinstall into B; B boots once, is never marked good, and the next boot falls back to A.
        await keelson.SucceedAsync("disk", "mark-installed", disk, "--slot", "B");
        Assert.Equal((2, 1, 0), await CgptAsync(disk, 4));
        Assert.Equal($"USR-B {UsrB}", await BootAsync(keelson, disk));
        Assert.Equal((2, 0, 0), await CgptAsync(disk, 4));
        Assert.Equal($"USR-A {UsrA}", await BootAsync(keelson, disk));

        // Again, and this time B is marked good after its boot: it stays.
        await keelson.SucceedAsync("disk", "mark-installed", disk, "--slot", "b");
        Assert.Equal($"USR-B {UsrB}", await BootAsync(keelson, disk));
        var good = await keelson.SucceedAsync("disk", "mark-good", disk, "--slot", "B");
        Assert.Contains("marked USR-B good", good.StandardOutput, StringComparison.Ordinal);
        Assert.Equal((2, 0, 1), await CgptAsync(disk, 4));
        Assert.Equal((1, 0, 1), await CgptAsync(disk, 3));
        Assert.Equal($"USR-B {UsrB}", await BootAsync(keelson, disk));

        // A manual rollback: prioritize A.
        await keelson.SucceedAsync("disk", "prioritize", disk, "--slot", "A");
        Assert.Equal($"USR-A {UsrA}", await BootAsync(keelson, disk));
        await AssertSgdiskFindsNoProblemsAsync(disk);
    }

    [Fact]
    public async Task Show_prints_the_partitions_the_usr_attributes_and_the_next_boot_as_text_and_json()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        await keelson.SucceedAsync("disk", "mark-installed", disk, "--slot", "B");

        var text = (await keelson.SucceedAsync("disk", "show", disk)).StandardOutput;
        var json = Json.Parse((await keelson.SucceedAsync("disk", "show", disk, "--json")).StandardOutput);

        var lines = text.Split('\n');
        Assert.Equal(["NUMBER", "LABEL", "TYPE", "SIZE", "PRIORITY", "TRIES", "SUCCESSFUL"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["3", "USR-A", "coreos-usr", "24", "MiB", "1", "0", "1"], Row(lines, "USR-A"));
        Assert.Equal(["4", "USR-B", "coreos-usr", "24", "MiB", "2", "1", "0"], Row(lines, "USR-B"));
        Assert.Equal(["1", "EFI-SYSTEM", "efi", "4", "MiB", "-", "-", "-"], Row(lines, "EFI-SYSTEM"));
        Assert.Contains($"next boot: USR-B (partition 4, uuid {UsrB})", text, StringComparison.Ordinal);
        Assert.Contains("gpt: ok", text, StringComparison.Ordinal);

        Assert.Equal(DiskSize, json.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(512, json.GetProperty("sectorSize").GetInt32());
        Assert.False(json.GetProperty("health").GetProperty("needsRepair").GetBoolean());
        Assert.Equal([1, 2, 3, 4, 6, 7, 9], json.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("number").GetInt32()));
        var b = Json.Find(json.GetProperty("partitions"), "label", "USR-B");
        Assert.Equal(UsrB, b.GetProperty("uniqueGuid").GetString());
        Assert.Equal((2, 1, false), (b.GetProperty("priority").GetInt32(), b.GetProperty("tries").GetInt32(), b.GetProperty("successful").GetBoolean()));
        Assert.Equal("USR-B", json.GetProperty("nextBoot").GetProperty("label").GetString());
    }

    [Fact]
    public async Task A_disk_made_by_sgdisk_works_with_every_disk_command()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("sgdisk.img");
        await CreateWithSgdiskAsync(disk);

        Assert.Contains("next boot: USR-A", (await keelson.SucceedAsync("disk", "show", disk)).StandardOutput, StringComparison.Ordinal);
        await keelson.SucceedAsync("disk", "mark-installed", disk, "--slot", "B");
        Assert.Equal($"USR-B {UsrB}", await BootAsync(keelson, disk));
        await keelson.SucceedAsync("disk", "mark-good", disk, "--slot", "B");
        await keelson.SucceedAsync("disk", "prioritize", disk, "--slot", "A");
        Assert.Equal($"USR-A {UsrA}", await BootAsync(keelson, disk));
        Assert.Contains("nothing to repair", (await keelson.SucceedAsync("disk", "repair", disk)).StandardOutput, StringComparison.Ordinal);

        await AssertSgdiskFindsNoProblemsAsync(disk);
        Assert.Equal((2, 0, 1), await CgptAsync(disk, 3));
        Assert.Equal((1, 0, 1), await CgptAsync(disk, 4));
    }

    [Fact]
    public async Task Attributes_written_by_cgpt_decide_what_keelson_boots()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        await RunToolAsync("cgpt", "add", "-i", "4", "-P", "5", "-T", "3", "-S", "0", disk);

        var json = Json.Parse((await keelson.SucceedAsync("disk", "show", disk, "--json")).StandardOutput);
        var b = Json.Find(json.GetProperty("partitions"), "label", "USR-B");
        Assert.Equal((5, 3), (b.GetProperty("priority").GetInt32(), b.GetProperty("tries").GetInt32()));
        Assert.Equal($"USR-B {UsrB}", await BootAsync(keelson, disk));
        Assert.Equal((5, 2, 0), await CgptAsync(disk, 4));
    }

    [Fact]
    public async Task A_corrupt_primary_is_reported_by_show_without_writing_and_repaired_by_the_next_write()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        FlipByte(disk, 512 + 24);
        var damaged = Hash(disk);

        var show = await keelson.SucceedAsync("disk", "show", disk);

        Assert.Contains("gpt: needs repair, read from the backup: primary header at LBA 1: ", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("next boot: USR-A", show.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(damaged, Hash(disk));

        var good = await keelson.SucceedAsync("disk", "mark-good", disk, "--slot", "A");

        Assert.Contains("note: repaired", good.StandardError, StringComparison.Ordinal);
        await AssertSgdiskFindsNoProblemsAsync(disk);
        Assert.Contains("gpt: ok", (await keelson.SucceedAsync("disk", "show", disk)).StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_rewrites_a_corrupt_backup()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        FlipByte(disk, DiskSize - 512 + 90);

        var repair = await keelson.SucceedAsync("disk", "repair", disk);

        Assert.Contains("repaired", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("backup header", repair.StandardOutput, StringComparison.Ordinal);
        await AssertSgdiskFindsNoProblemsAsync(disk);
    }

    [Fact]
    public async Task An_image_with_4096_byte_sectors_is_created_and_read_back()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("4k.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64MiB", "--sector-size", "4096");

        var json = Json.Parse((await keelson.SucceedAsync("disk", "show", disk, "--json")).StandardOutput);

        Assert.Equal(4096, json.GetProperty("sectorSize").GetInt32());
        Assert.Equal(1024 * 1024 / 4096, Json.Find(json.GetProperty("partitions"), "label", "EFI-SYSTEM").GetProperty("firstLba").GetInt64());
        Assert.Equal($"USR-A {UsrA}", await BootAsync(keelson, disk));
    }

    [Theory]
    [InlineData("--slot", "mark-good", "disk.img", "--slot", "C")]
    [InlineData("--slot", "prioritize", "disk.img")]
    [InlineData("--size", "create", "new.img", "--size", "lots")]
    [InlineData("--size", "create", "new.img")]
    [InlineData("--sector-size", "show", "disk.img", "--sector-size", "1000")]
    [InlineData("Required argument missing", "boot")]
    public async Task Bad_usage_exits_2_naming_what_was_wrong_and_writes_nothing(string named, params string[] arguments)
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        var before = Hash(disk);

        var result = await keelson.RunAsync(["disk", .. arguments]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        Assert.Equal(before, Hash(disk));
        Assert.Equal([disk], Directory.GetFiles(keelson.Directory));
    }

    [Fact]
    public async Task A_missing_file_a_file_without_a_GPT_and_a_disk_with_both_copies_corrupt_exit_1_and_stay_as_they_were()
    {
        await using var keelson = new KeelsonProcess(log);
        var zeros = keelson.PathOf("zeros.img");
        await File.WriteAllBytesAsync(zeros, new byte[4 * 1024 * 1024]);
        var broken = keelson.PathOf("broken.img");
        await keelson.SucceedAsync("disk", "create", broken, "--size", "64M");
        FlipByte(broken, 512 + 24);
        FlipByte(broken, DiskSize - 512 + 24);
        var hashes = (Hash(zeros), Hash(broken));

        var cases = new (string[] Arguments, string Message)[]
        {
            (["disk", "show", keelson.PathOf("missing.img")], "missing.img does not exist"),
            (["disk", "boot", keelson.PathOf("missing.img")], "missing.img does not exist"),
            (["disk", "show", zeros], "is not a GPT disk"),
            (["disk", "mark-good", zeros, "--slot", "A"], "is not a GPT disk"),
            (["disk", "boot", broken], "both copies of the GPT are corrupt"),
            (["disk", "mark-installed", broken, "--slot", "B"], "both copies of the GPT are corrupt"),
            (["disk", "repair", broken], "both copies of the GPT are corrupt"),
        };
        foreach (var (arguments, message) in cases)
        {
            var result = await keelson.RunAsync(arguments);

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.StartsWith("error: ", result.StandardError, StringComparison.Ordinal);
            Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        }

        Assert.Equal(hashes, (Hash(zeros), Hash(broken)));
        Assert.False(File.Exists(keelson.PathOf("missing.img")));
    }

    [Fact]
    public async Task Create_exits_1_for_a_disk_too_small_or_a_file_that_exists_and_leaves_no_file_behind()
    {
        await using var keelson = new KeelsonProcess(log);
        var existing = keelson.PathOf("existing.img");
        await File.WriteAllTextAsync(existing, "mine");

        var small = await keelson.RunAsync("disk", "create", keelson.PathOf("small.img"), "--size", "1M");
        var again = await keelson.RunAsync("disk", "create", existing, "--size", "64M");

        Assert.True(small.ExitCode == 1, small.ToString());
        Assert.Contains("too small for the Flatcar layout", small.StandardError, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("already exists", again.StandardError, StringComparison.Ordinal);
        Assert.Equal("mine", await File.ReadAllTextAsync(existing));
        Assert.Equal([existing], Directory.GetFiles(keelson.Directory));
    }

    [Fact]
    public async Task Boot_exits_1_when_no_slot_can_boot_and_writes_nothing()
    {
        await using var keelson = new KeelsonProcess(log);
        var disk = keelson.PathOf("disk.img");
        await keelson.SucceedAsync("disk", "create", disk, "--size", "64M");
        await RunToolAsync("cgpt", "add", "-i", "3", "-P", "0", disk);
        var before = Hash(disk);

        var result = await keelson.RunAsync("disk", "boot", disk);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("nothing to boot", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(before, Hash(disk));
    }

    private static async Task<string> BootAsync(KeelsonProcess keelson, string disk)
    {
        var result = await keelson.SucceedAsync("disk", "boot", disk);
        return result.StandardOutput.Trim();
    }

    private static string[] Row(string[] lines, string label) =>
        lines.Single(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var l, ..] && l == label)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<(int Priority, int Tries, int Successful)> CgptAsync(string disk, int partition)
    {
        var values = new int[3];
        var fields = new[] { "-P", "-T", "-S" };
        for (var i = 0; i < fields.Length; i++)
        {
            var result = await RunToolAsync("cgpt", "show", "-i", partition.ToString(CultureInfo.InvariantCulture), fields[i], disk);
            values[i] = int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        }

        return (values[0], values[1], values[2]);
    }

    private static async Task AssertSgdiskFindsNoProblemsAsync(string disk)
    {
        var result = await RunToolAsync("sgdisk", "-v", disk);
        Assert.True(result.StandardOutput.Contains("No problems found", StringComparison.Ordinal), result.ToString());
    }

    /// <summary>The Flatcar layout made by sgdisk alone: -n/-t/-c/-u for partitions 1-9 (5 and 8 blank), USR-A S1 P1 via -A.</summary>
    private static async Task CreateWithSgdiskAsync(string disk)
    {
        await using (var file = File.Create(disk))
        {
            file.SetLength(DiskSize);
        }

        await RunToolAsync("sgdisk", "-o",
            "-n", "1:0:+4M", "-t", "1:c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "-c", "1:EFI-SYSTEM",
            "-n", "2:0:+1M", "-t", "2:21686148-6449-6e6f-744e-656564454649", "-c", "2:BIOS-BOOT",
            "-n", "3:0:+24M", "-t", "3:5dfbf5f4-2848-4bac-aa5e-0d9a20b745a6", "-c", "3:USR-A", "-u", $"3:{UsrA}",
            "-n", "4:0:+24M", "-t", "4:5dfbf5f4-2848-4bac-aa5e-0d9a20b745a6", "-c", "4:USR-B", "-u", $"4:{UsrB}",
            "-n", "6:0:+4M", "-t", "6:0fc63daf-8483-4772-8e79-3d69d8477de4", "-c", "6:OEM",
            "-n", "7:0:+1M", "-t", "7:c95dc21a-df0e-4340-8d7b-26cbfa9a03e0", "-c", "7:OEM-CONFIG",
            "-n", "9:0:0", "-t", "9:3884dd41-8582-4404-b9a8-e9b84f2df50e", "-c", "9:ROOT",
            "-A", "3:set:48", "-A", "3:set:56",
            disk);
    }

    /// <summary>Runs sgdisk or cgpt; a missing tool or a failure fails the test.</summary>
    private static async Task<ProcessResult> RunToolAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(program, arguments), KeelsonProcess.CommandTimeout);
        return result.ExitCode == 0 ? result : throw new XunitException($"expected exit 0:\n{result}");
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)~value);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
