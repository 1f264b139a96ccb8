using System.Globalization;
using System.Text.Json;
using Xunit.Sdk;

namespace Keelson.IntegrationTests.Harness;

/// <summary>
/// A server with releases for simulated machines: a signing key, usr images made with mkfs.ext4, signed payloads
/// published and set on channels, machines created against the server; and readers of a machine's disk (cgpt, bytes).
/// </summary>
public sealed class TestFleet(KeelsonProcess keelson, int fillerBytes)
{
    public static async Task<TestFleet> StartAsync(KeelsonProcess keelson, int fillerBytes = 2_000_000, Uri? publicUrl = null)
    {
        await keelson.StartServerAsync(extraArguments: publicUrl is null ? null : ["--public-url", publicUrl.ToString()]);
        await keelson.SucceedAsync("payload", "keygen", "--out", "sign.key");
        var fleet = new TestFleet(keelson, fillerBytes);
        await UsrImages.CreateAsync(fleet.Image("1.0.0"), "1.0.0", fleet.ImageMiB, fillerBytes);
        await fleet.PublishFileAsync("1.0.0", "sign.key", corrupt: false);
        return fleet;
    }

    /// <summary>Room for the filler and ext4's own blocks.</summary>
    private int ImageMiB => Math.Max(16, fillerBytes / (1 << 20) + 8);

    public string Image(string version) => keelson.PathOf($"usr-{version}.ext4");

    public async Task PublishAsync(string version, string channel, bool failHealth = false, string key = "sign.key", bool corrupt = false)
    {
        await UsrImages.CreateAsync(Image(version), version, ImageMiB, fillerBytes, failHealth);
        await PublishFileAsync(version, key, corrupt);
        await keelson.SucceedAsync("channel", "set", channel, "--version", version);
    }

    private async Task PublishFileAsync(string version, string key, bool corrupt)
    {
        var payload = $"{version}.kpay";
        await keelson.SucceedAsync("payload", "create", "--image", Image(version), "--version", version, "--key", key, "--out", payload);
        if (corrupt)
        {
            // A flipped byte in the data, after signing: the server hashes what it is given, so only the signature can tell.
            await using var file = File.Open(keelson.PathOf(payload), FileMode.Open);
            file.Position = file.Length / 2;
            var value = (byte)file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(value ^ 0x40));
        }

        await keelson.SucceedAsync("package", "publish", "--version", version, "--file", payload);
    }

    /// <summary>
    /// A simulated machine following <paramref name="group"/>. Unless <paramref name="options"/> choose a reboot
    /// strategy, it reboots without a lock: the default, best-effort, would probe etcd's default local client
    /// address and take part in whatever etcd this computer happens to run there.
    /// </summary>
    public Task CreateMachineAsync(string name, string group, params string[] options) =>
        keelson.SucceedAsync(["machine", "create", name, "--image", Image("1.0.0"), "--server", keelson.Server!.Url.ToString(),
            "--group", group, "--pubkey", "sign.key.pub", .. options.Contains("--reboot-strategy") ? [] : (string[])["--reboot-strategy", "reboot"], .. options]);

    public async Task<JsonElement> InstanceAsync(string machine)
    {
        var id = (await File.ReadAllTextAsync(keelson.PathOf(Path.Combine(machine, "etc", "machine-id")))).Trim();
        return Json.Parse((await keelson.SucceedAsync("instance", "show", id, "--json")).StandardOutput);
    }

    /// <summary>cgpt's reading of a partition's priority, tries and successful flag.</summary>
    public static async Task<(int Priority, int Tries, int Successful)> CgptAsync(KeelsonProcess keelson, string machine, int partition)
    {
        var disk = keelson.PathOf(Path.Combine(machine, "disk.img"));
        async Task<int> FieldAsync(string flag)
        {
            var result = await ProcessRunner.RunAsync(
                ProcessRunner.Describe("cgpt", ["show", "-i", partition.ToString(CultureInfo.InvariantCulture), flag, disk]), TimeSpan.FromSeconds(30));
            return result.ExitCode == 0
                ? int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture)
                : throw new XunitException($"cgpt failed:\n{result}");
        }

        return (await FieldAsync("-P"), await FieldAsync("-T"), await FieldAsync("-S"));
    }

    /// <summary>The first bytes of a usr partition, as many as the image has.</summary>
    public static async Task<byte[]> ReadSlotAsync(KeelsonProcess keelson, string machine, int partition, string image)
    {
        var show = Json.Parse((await keelson.SucceedAsync("disk", "show", Path.Combine(machine, "disk.img"), "--json")).StandardOutput);
        var entry = show.GetProperty("partitions").EnumerateArray().Single(p => p.GetProperty("number").GetInt32() == partition);
        var bytes = new byte[new FileInfo(image).Length];
        await using var disk = File.OpenRead(keelson.PathOf(Path.Combine(machine, "disk.img")));
        disk.Position = entry.GetProperty("offset").GetInt64();
        await disk.ReadExactlyAsync(bytes);
        return bytes;
    }
}
