using System.Diagnostics;

namespace Keelson.Cli.Tests.Commands;

/// <summary>
/// <c>keelson cloud-config validate | apply</c> on the documents of the CoreOS world (issue 15), run as a user runs
/// them: the real keelson.dll of this build in a process of its own, each sample from test/samples/cloud-config, the
/// exit code and what is printed on stdout and stderr.
/// </summary>
public sealed class CloudConfigCommandTests : IDisposable
{
    private static readonly string s_samples = Path.Combine(AppContext.BaseDirectory, "samples", "cloud-config");
    private static readonly string s_keelson = Path.Combine(AppContext.BaseDirectory, "keelson.dll");
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    private readonly string _directory = Directory.CreateTempSubdirectory("keelson-cli-cc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Gzip_user_data_validates_clean_and_applies()
    {
        var validate = await RunAsync("cloud-config", "validate", Sample("gzip-user-data.yml.gz"));
        var apply = await RunAsync("cloud-config", "apply", Sample("gzip-user-data.yml.gz"), "--root", Root());

        Assert.Equal((0, "", ""), validate);
        Assert.Equal(0, apply.ExitCode);
        Assert.StartsWith("wrote /etc/hostname (0644)\nwrote /etc/coreos/update.conf (0644)\n", apply.Output, StringComparison.Ordinal);
        Assert.Equal("compressed-node\n", await File.ReadAllTextAsync(Path.Combine(_directory, "root", "etc", "hostname")));
    }

    [Fact]
    public async Task A_gzip_bomb_is_refused_with_a_clear_error_and_nothing_written()
    {
        var validate = await RunAsync("cloud-config", "validate", Sample("gzip-bomb.yml.gz"));
        var apply = await RunAsync("cloud-config", "apply", Sample("gzip-bomb.yml.gz"), "--root", Root());

        const string Refused = "line 1: error: the document is gzip-compressed and decompresses to more than 1 MiB; refused (a cloud-config is a few kilobytes)";
        Assert.Equal((1, Refused + "\n", ""), validate);
        Assert.Equal((1, "", $"{Refused}\nerror: {Sample("gzip-bomb.yml.gz")} is not a valid cloud-config; nothing was written\n"), apply);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root()));
    }

    [Theory]
    [InlineData("ignition-v1.json", "1")]
    [InlineData("ignition-v2.json", "2.2.0")]
    public async Task An_ignition_config_is_recognised_said_so_and_skipped_with_exit_0(string sample, string version)
    {
        var validate = await RunAsync("cloud-config", "validate", Sample(sample));
        var json = await RunAsync("cloud-config", "validate", Sample(sample), "--json");
        var apply = await RunAsync("cloud-config", "apply", Sample(sample), "--root", Root());

        var note = $"note: {Sample(sample)}: an Ignition config (version {version}), not a cloud-config: coreos-cloudinit leaves it to Ignition, "
            + "and so does Keelson; nothing was validated or applied\n";
        Assert.Equal((0, "", note), validate);
        Assert.Equal((0, "[]\n", note), json);
        Assert.Equal((0, "", note), apply);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root()));
    }

    [Fact]
    public async Task A_unit_defined_through_merge_keys_keeps_its_command_and_enablement()
    {
        var apply = await RunAsync("cloud-config", "apply", Sample("merge-keys.yml"), "--root", Root());

        Assert.Equal(0, apply.ExitCode);
        Assert.Equal("line 3: warning: unrecognized key \"x_defaults\"\n", apply.Error);
        Assert.Contains("linked /etc/systemd/system/multi-user.target.wants/web.service (-> /etc/systemd/system/web.service)\n", apply.Output, StringComparison.Ordinal);
        Assert.Contains("note: not run: systemctl restart web.service (apply writes files only)\n", apply.Output, StringComparison.Ordinal);
        Assert.Contains("note: not run: systemctl stop batch.service (apply writes files only)\n", apply.Output, StringComparison.Ordinal);
        Assert.Contains("note: not run: systemctl start probe.service (apply writes files only)\n", apply.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Etcd_flannel_fleet_and_oem_are_validated_and_applied()
    {
        var valid = await RunAsync("cloud-config", "validate", Sample("coreos-services.yml"));
        var invalid = await RunAsync("cloud-config", "validate", Sample("coreos-services-invalid.yml"));
        var apply = await RunAsync("cloud-config", "apply", Sample("coreos-services.yml"), "--root", Root());

        Assert.Equal((0, "", ""), valid);
        Assert.Equal(1, invalid.ExitCode);
        Assert.StartsWith("line 4: warning: discovery URL is not valid\nline 5: warning: deprecated key \"listen_client_urls\"", invalid.Output, StringComparison.Ordinal);
        Assert.Equal(
            (0, "wrote /etc/oem-release (0644)\nwrote /run/systemd/system/etcd.service.d/20-cloudinit.conf (0644)\n"
                + "wrote /run/systemd/system/flanneld.service.d/20-cloudinit.conf (0644)\nwrote /run/systemd/system/fleet.service.d/20-cloudinit.conf (0644)\n", ""),
            apply);
        Assert.Contains("Environment=\"FLANNELD_IFACE=10.0.0.11\"\n",
            await File.ReadAllTextAsync(Path.Combine(_directory, "root", "run/systemd/system/flanneld.service.d/20-cloudinit.conf")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encoding_without_content_is_an_error()
    {
        var validate = await RunAsync("cloud-config", "validate", Sample("b64-without-content.yml"));

        Assert.Equal(
            (1, "line 5: error: content cannot be decoded as \"b64\" (there is no content)\n"
                + "line 8: error: content cannot be decoded as \"gzip+b64\" (there is no content)\n", ""),
            validate);
    }

    [Fact]
    public async Task An_ssh_key_with_a_line_break_is_refused_by_validate_and_apply_naming_the_entry()
    {
        var validate = await RunAsync("cloud-config", "validate", Sample("ssh-key-newline.yml"));
        var apply = await RunAsync("cloud-config", "apply", Sample("ssh-key-newline.yml"), "--root", Root());

        Assert.Equal(1, validate.ExitCode);
        var lines = validate.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("line 5: error: \"ssh_authorized_keys[1]\" holds a line break after character 92:", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("line 9: error: \"users[0].ssh_authorized_keys[0]\" holds a line break after character 55:", lines[1], StringComparison.Ordinal);
        Assert.Equal((1, "", validate.Output + $"error: {Sample("ssh-key-newline.yml")} is not a valid cloud-config; nothing was written\n"), apply);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root()));
    }

    [Fact]
    public async Task An_error_about_a_megabyte_hostname_is_one_short_line()
    {
        var file = Path.Combine(_directory, "huge.yml");
        await File.WriteAllTextAsync(file, "#cloud-config\nhostname: " + new string('h', 1_000_000) + "\n");
        var longSample = await RunAsync("cloud-config", "apply", Sample("long-hostname.yml"), "--root", Root());

        var huge = await RunAsync("cloud-config", "apply", file, "--root", Root());

        Assert.Equal(
            (1, "", $"error: nothing was written:\nhostname '{new string('h', 64)}... (1000000 bytes)' is not a host name "
                + "(dot-separated labels of letters, digits and '-', at most 64 characters)\n"),
            huge);
        Assert.Equal(1, longSample.ExitCode);
        Assert.Contains("... (307 bytes)' is not a host name", longSample.Error, StringComparison.Ordinal);
    }

    private static string Sample(string name) => Path.Combine(s_samples, name);

    private string Root() => Directory.CreateDirectory(Path.Combine(_directory, "root")).FullName;

    /// <summary>Runs keelson to its end; the addresses the samples substitute come from the variables coreos-cloudinit reads.</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(s_keelson);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["COREOS_PRIVATE_IPV4"] = "10.0.0.11";
        start.Environment["COREOS_PUBLIC_IPV4"] = "203.0.113.11";
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(s_timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"keelson {string.Join(' ', arguments)} did not finish within {s_timeout}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The dotnet host running this build (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
