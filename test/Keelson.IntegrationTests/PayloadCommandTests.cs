using System.Security.Cryptography;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.IntegrationTests;

/// <summary>
/// <c>keelson payload keygen | create | verify | inspect | apply</c> as a publisher and an operator run them: real
/// ext4 images made by <c>mkfs.ext4 -d</c> and changed by <c>debugfs</c>, exit codes 0 / 1 / 2 and the messages.
/// </summary>
public sealed class PayloadCommandTests(ITestOutputHelper log)
{
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Keygen_writes_a_private_key_only_its_owner_reads_and_a_public_key_and_never_overwrites_them()
    {
        await using var keelson = new KeelsonProcess(log);

        var result = await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        var again = await keelson.RunAsync("payload", "keygen", "--out", "signing.key");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keelson.PathOf("signing.key")));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(keelson.PathOf("signing.key")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", await File.ReadAllTextAsync(keelson.PathOf("signing.key.pub")), StringComparison.Ordinal);
        Assert.Matches("key id: +[0-9a-f]{16}\n", result.StandardOutput);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("already exists", again.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_payload_is_created_inspected_verified_and_applied_into_a_slot_that_then_holds_the_image()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        await MakeImageAsync(keelson, "usr.ext4", "2605.10.0");
        await File.WriteAllBytesAsync(keelson.PathOf("slot-b"), new byte[16 << 20]);

        var created = await keelson.SucceedAsync("payload", "create", "--image", "usr.ext4", "--version", "2605.10.0", "--key", "signing.key", "--out", "update.kpay");
        var inspected = Json.Parse((await keelson.SucceedAsync("payload", "inspect", "update.kpay", "--json")).StandardOutput);
        var verified = await keelson.SucceedAsync("payload", "verify", "update.kpay", "--pubkey", "signing.key.pub");
        var applied = await keelson.SucceedAsync("payload", "apply", "update.kpay", "--target", "slot-b", "--pubkey", "signing.key.pub", "--running-version", "2605.9.0");

        var imageSha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(keelson.PathOf("usr.ext4"))));
        Assert.Contains(imageSha256, created.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("2605.10.0", inspected.GetProperty("version").GetString());
        Assert.Equal("amd64-usr", inspected.GetProperty("board").GetString());
        Assert.Equal(imageSha256, inspected.GetProperty("imageSha256").GetString());
        Assert.Equal(16 << 20, inspected.GetProperty("imageSize").GetInt64());
        Assert.Equal(new FileInfo(keelson.PathOf("update.kpay")).Length, inspected.GetProperty("payloadSize").GetInt64());
        Assert.Equal("unchecked", inspected.GetProperty("signature").GetString());
        Assert.Equal(0, inspected.GetProperty("operations").GetProperty("copy").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, inspected.GetProperty("source").ValueKind);
        Assert.Contains("every chunk intact", verified.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("read back and verified", applied.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("bootable:", applied.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(keelson.PathOf("usr.ext4")), await File.ReadAllBytesAsync(keelson.PathOf("slot-b")));
        Assert.Contains("COREOS_RELEASE_VERSION=2605.10.0", await ToolAsync(keelson, "debugfs", "-R", "cat /share/coreos/release", "slot-b"), StringComparison.Ordinal);

        await File.WriteAllBytesAsync(keelson.PathOf("slot-a"), new byte[16 << 20]);
        var byOperation = await keelson.SucceedAsync("payload", "apply", "update.kpay", "--target", "slot-a", "--pubkey", "signing.key.pub", "--read-back", "operations");
        Assert.Contains("read back and verified operation by operation", byOperation.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(keelson.PathOf("usr.ext4")), await File.ReadAllBytesAsync(keelson.PathOf("slot-a")));
    }

    [Fact]
    public async Task A_payload_is_applied_into_the_passive_usr_partition_of_a_GPT_disk_and_nothing_else_changes()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        await MakeImageAsync(keelson, "usr.ext4", "2605.10.0");
        await keelson.SucceedAsync("payload", "create", "--image", "usr.ext4", "--version", "2605.10.0", "--key", "signing.key", "--out", "update.kpay");
        await keelson.SucceedAsync("disk", "create", "disk.img", "--size", "64M");
        var before = await File.ReadAllBytesAsync(keelson.PathOf("disk.img"));
        var partition = Json.Parse((await keelson.SucceedAsync("disk", "show", "disk.img", "--json")).StandardOutput)
            .GetProperty("partitions").EnumerateArray().Single(p => p.GetProperty("label").GetString() == "USR-B");
        var (offset, length) = (partition.GetProperty("offset").GetInt64(), partition.GetProperty("sizeBytes").GetInt64());

        await keelson.SucceedAsync("payload", "apply", "update.kpay", "--target", "disk.img#B", "--pubkey", "signing.key.pub");
        var wrong = await keelson.RunAsync("payload", "apply", "update.kpay", "--target", "disk.img#7x", "--pubkey", "signing.key.pub");

        var after = await File.ReadAllBytesAsync(keelson.PathOf("disk.img"));
        var image = await File.ReadAllBytesAsync(keelson.PathOf("usr.ext4"));
        Assert.Equal(image, after.AsSpan((int)offset, image.Length).ToArray());
        Assert.Equal(before.AsSpan(0, (int)offset).ToArray(), after.AsSpan(0, (int)offset).ToArray());
        Assert.Equal(before.AsSpan((int)(offset + length)).ToArray(), after.AsSpan((int)(offset + length)).ToArray());
        Assert.Contains("COREOS_RELEASE_VERSION=2605.10.0",
            await ToolAsync(keelson, "debugfs", "-R", "cat /share/coreos/release", $"disk.img?offset={offset}"), StringComparison.Ordinal);
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Contains("neither a partition number nor a usr slot", wrong.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delta_from_the_old_image_installs_the_new_one_from_the_active_slot_and_is_a_small_part_of_the_full_payload()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        await MakeImageAsync(keelson, "old.ext4", "2605.10.0");
        File.Copy(keelson.PathOf("old.ext4"), keelson.PathOf("new.ext4"));
        await File.WriteAllTextAsync(keelson.PathOf("release"), "COREOS_RELEASE_VERSION=2605.11.0\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        await ToolAsync(keelson, "debugfs", "-w", "-R", "rm /share/coreos/release", "new.ext4");
        await ToolAsync(keelson, "debugfs", "-w", "-R", "write release /share/coreos/release", "new.ext4");
        File.Copy(keelson.PathOf("old.ext4"), keelson.PathOf("slot-a"));
        await File.WriteAllBytesAsync(keelson.PathOf("slot-b"), new byte[16 << 20]);

        await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--version", "2605.11.0", "--key", "signing.key", "--out", "full.kpay");
        var created = await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--from", "old.ext4", "--version", "2605.11.0", "--key", "signing.key", "--out", "delta.kpay", "--json");
        var inspected = await keelson.SucceedAsync("payload", "inspect", "delta.kpay", "--pubkey", "signing.key.pub");
        var applied = await keelson.SucceedAsync("payload", "apply", "delta.kpay", "--target", "slot-b", "--source", "slot-a", "--pubkey", "signing.key.pub");

        var summary = Json.Parse(created.StandardOutput);
        var oldSha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(keelson.PathOf("old.ext4"))));
        Assert.Equal(oldSha256, summary.GetProperty("source").GetProperty("sha256").GetString());
        Assert.True(summary.GetProperty("operations").GetProperty("copy").GetInt32() > 0, created.StandardOutput);
        Assert.Contains($"delta source: 16777216 bytes (16.0 MiB), sha256 {oldSha256}", inspected.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("signature:    valid", inspected.StandardOutput, StringComparison.Ordinal);
        var ratio = (double)new FileInfo(keelson.PathOf("delta.kpay")).Length / new FileInfo(keelson.PathOf("full.kpay")).Length;
        log.WriteLine($"delta / full payload: {ratio:P2}");
        Assert.True(ratio < 0.05, $"the delta is {ratio:P1} of the full payload");
        Assert.Contains("copied from the source", applied.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(keelson.PathOf("new.ext4")), await File.ReadAllBytesAsync(keelson.PathOf("slot-b")));
        Assert.Contains("COREOS_RELEASE_VERSION=2605.11.0", await ToolAsync(keelson, "debugfs", "-R", "cat /share/coreos/release", "slot-b"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_payloads_exit_1_saying_why_and_leave_the_slot_as_it_was()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        await keelson.SucceedAsync("payload", "keygen", "--out", "stranger.key");
        await MakeImageAsync(keelson, "old.ext4", "2605.10.0");
        await MakeImageAsync(keelson, "other.ext4", "2605.10.0", files: 5);
        File.Copy(keelson.PathOf("old.ext4"), keelson.PathOf("new.ext4"));
        await File.WriteAllTextAsync(keelson.PathOf("extra"), "a new file\n");
        await ToolAsync(keelson, "debugfs", "-w", "-R", "write extra /share/extra", "new.ext4");
        await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--version", "2605.11.0", "--key", "signing.key", "--out", "full.kpay");
        await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--version", "2605.11.0", "--key", "stranger.key", "--out", "stranger.kpay");
        await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--version", "2605.11.0", "--key", "signing.key", "--board", "arm64-usr", "--out", "arm.kpay");
        await keelson.SucceedAsync("payload", "create", "--image", "new.ext4", "--from", "old.ext4", "--version", "2605.11.0", "--key", "signing.key", "--out", "delta.kpay");
        var full = await File.ReadAllBytesAsync(keelson.PathOf("full.kpay"));
        await File.WriteAllBytesAsync(keelson.PathOf("truncated.kpay"), full[..(full.Length - 100)]);
        var flipped = full.ToArray();
        flipped[200] ^= 0x10;
        await File.WriteAllBytesAsync(keelson.PathOf("flipped.kpay"), flipped);
        var slot = TestSlot();
        await File.WriteAllBytesAsync(keelson.PathOf("slot-b"), slot);
        await File.WriteAllBytesAsync(keelson.PathOf("small-slot"), new byte[8 << 20]);
        string[] apply = ["payload", "apply", "--pubkey", "signing.key.pub", "--target", "slot-b"];

        var cases = new (string Because, string[] Arguments, string Message)[]
        {
            ("unknown key", [.. apply, "stranger.kpay"], "; trust a key with --pubkey KEY.pub"),
            ("board", [.. apply, "arm.kpay"], "the payload is for board arm64-usr, this machine is amd64-usr; --board names this machine's board"),
            ("downgrade", [.. apply, "full.kpay", "--running-version", "2605.12.0"], "the payload's version 2605.11.0 is lower than the running version 2605.12.0; downgrades must be allowed explicitly: give --allow-downgrade to install it anyway"),
            ("wrong delta source", [.. apply, "delta.kpay", "--source", "other.ext4"], "this delta is for the source image with SHA-256"),
            ("no delta source", [.. apply, "delta.kpay"], "give the slot that holds it (the active slot) as the source with --source"),
            ("truncated", [.. apply, "truncated.kpay"], "the payload is truncated"),
            ("flipped byte", [.. apply, "flipped.kpay"], "does not match the payload's header and manifest"),
            ("too small", ["payload", "apply", "full.kpay", "--pubkey", "signing.key.pub", "--target", "small-slot"], "holds only 8388608"),
            ("missing slot", ["payload", "apply", "full.kpay", "--pubkey", "signing.key.pub", "--target", "no-such-slot"], "cannot open the slot"),
            ("verify unknown key", ["payload", "verify", "stranger.kpay", "--pubkey", "signing.key.pub"], "which is not a trusted key"),
            ("verify truncated", ["payload", "verify", "truncated.kpay", "--pubkey", "signing.key.pub"], "the payload is truncated"),
        };
        foreach (var (because, arguments, message) in cases)
        {
            var result = await keelson.RunAsync(arguments);

            Assert.True(result.ExitCode == 1, $"{because}:\n{result}");
            Assert.StartsWith("error: ", result.StandardError, StringComparison.Ordinal);
            Assert.True(result.StandardError.Contains(message, StringComparison.Ordinal), $"{because}: expected '{message}':\n{result}");
            var after = await File.ReadAllBytesAsync(keelson.PathOf("slot-b"));
            Assert.True(slot.SequenceEqual(after), $"{because}: the slot changed");
        }

        Assert.False(File.Exists(keelson.PathOf("no-such-slot")));
        await keelson.SucceedAsync([.. apply, "full.kpay", "--running-version", "2605.12.0", "--allow-downgrade"]);
        Assert.Equal(await File.ReadAllBytesAsync(keelson.PathOf("new.ext4")), await File.ReadAllBytesAsync(keelson.PathOf("slot-b")));
    }

    [Fact]
    public async Task Every_trusted_key_given_is_accepted_so_a_signing_key_can_be_rotated()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.SucceedAsync("payload", "keygen", "--out", "old.key");
        await keelson.SucceedAsync("payload", "keygen", "--out", "new.key");
        await MakeImageAsync(keelson, "usr.ext4", "2605.10.0");
        await File.WriteAllBytesAsync(keelson.PathOf("slot-b"), new byte[16 << 20]);
        await keelson.SucceedAsync("payload", "create", "--image", "usr.ext4", "--version", "2605.10.0", "--key", "new.key", "--out", "update.kpay");

        var result = await keelson.SucceedAsync("payload", "apply", "update.kpay", "--target", "slot-b", "--pubkey", "old.key.pub", "--pubkey", "new.key.pub");

        Assert.Contains("trusted key", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(keelson.PathOf("usr.ext4")), await File.ReadAllBytesAsync(keelson.PathOf("slot-b")));
    }

    [Theory]
    [InlineData("--version", "payload", "create", "--image", "present", "--version", "v1", "--key", "present", "--out", "x.kpay")]
    [InlineData("--level", "payload", "create", "--image", "present", "--version", "1.0.0", "--key", "present", "--out", "x.kpay", "--level", "0")]
    [InlineData("--board", "payload", "create", "--image", "present", "--version", "1.0.0", "--key", "present", "--out", "x.kpay", "--board", "amd64 usr")]
    [InlineData("--image", "payload", "create", "--image", "absent", "--version", "1.0.0", "--key", "present", "--out", "x.kpay")]
    [InlineData("--out", "payload", "create", "--image", "present", "--version", "1.0.0", "--key", "present")]
    [InlineData("--from", "payload", "create", "--image", "present", "--from", "absent", "--version", "1.0.0", "--key", "present", "--out", "x.kpay")]
    [InlineData("--pubkey", "payload", "verify", "present")]
    [InlineData("FILE", "payload", "verify", "absent", "--pubkey", "present")]
    [InlineData("--target", "payload", "apply", "present", "--pubkey", "present")]
    [InlineData("--running-version", "payload", "apply", "present", "--pubkey", "present", "--target", "present", "--running-version", "latest")]
    [InlineData("--pubkey", "payload", "apply", "present", "--pubkey", "absent", "--target", "present")]
    [InlineData("--read-back", "payload", "apply", "present", "--pubkey", "present", "--target", "present", "--read-back", "never")]
    [InlineData("--out", "payload", "keygen")]
    public async Task Bad_usage_exits_2_naming_what_was_wrong_and_writes_nothing(string named, params string[] arguments)
    {
        await using var keelson = new KeelsonProcess(log);
        await File.WriteAllTextAsync(keelson.PathOf("present"), "x");

        var result = await keelson.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
        Assert.Equal(["present"], Directory.EnumerateFileSystemEntries(keelson.Directory).Select(Path.GetFileName));
    }

    /// <summary>A 16 MiB ext4 image of a small /usr: the release file and <paramref name="files"/> files of mixed content.</summary>
    private static async Task MakeImageAsync(KeelsonProcess keelson, string image, string version, int files = 40)
    {
        var root = keelson.PathOf(image + ".d");
        Directory.CreateDirectory(Path.Combine(root, "share", "coreos"));
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        await File.WriteAllTextAsync(Path.Combine(root, "share", "coreos", "release"), $"COREOS_RELEASE_VERSION={version}\nCOREOS_RELEASE_BOARD=amd64-usr\n");
        var random = new Random(files);
        for (var i = 0; i < files; i++)
        {
            var content = new byte[random.Next(8, 128) * 1024];
            random.NextBytes(content.AsSpan(0, content.Length / 3));
            content.AsSpan(content.Length / 3).Fill((byte)('a' + (i % 26)));
            await File.WriteAllBytesAsync(Path.Combine(root, "lib", $"lib{i:D2}.so"), content);
        }

        await ToolAsync(keelson, "mkfs.ext4", "-q", "-F", "-b", "4096", "-d", root, image, "16M");
    }

    /// <summary>Runs a tool in the test's folder; failing (or missing: install e2fsprogs) fails the test.</summary>
    private static async Task<string> ToolAsync(KeelsonProcess keelson, string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(program, arguments, keelson.Directory), s_toolTimeout);
        return result.ExitCode == 0 ? result.StandardOutput : throw new XunitException($"{program} failed:\n{result}");
    }

    private static byte[] TestSlot()
    {
        var slot = new byte[16 << 20];
        new Random(7).NextBytes(slot);
        return slot;
    }
}
