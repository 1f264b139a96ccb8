using Keelson.Disks.Boot;
using Xunit.Abstractions;

namespace Keelson.Disks.Tests.Boot;

/// <summary>The generated grub.cfg, checked by GRUB's own parser (<c>grub-script-check</c> from grub-common).</summary>
public sealed class GrubConfigTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("console=ttyS0 panic=-1")]
    [InlineData("")]
    [InlineData("console=ttyS0,115200n8 root=PARTUUID=1 rd.x=\"a b\" $notavariable")]
    public async Task Grub_script_check_accepts_the_generated_config(string commandLine)
    {
        using var temp = new TempDirectory();
        var path = temp.File("grub.cfg");
        var config = GrubConfig.Generate(FlatcarLayout.UsrAPartitionUuid, FlatcarLayout.UsrBPartitionUuid, commandLine);
        await File.WriteAllTextAsync(path, config);
        log.WriteLine(config);

        await ExternalTool.SucceedAsync("grub-script-check", path);
        Assert.Equal(commandLine, GrubConfig.ReadBaseCommandLine(config, path));
    }

    [Fact]
    public async Task Grub_script_check_rejects_a_config_with_an_if_left_open()
    {
        // The check above can fail: GRUB's parser does reject a broken script.
        using var temp = new TempDirectory();
        var path = temp.File("grub.cfg");
        await File.WriteAllTextAsync(path, GrubConfig.Generate(Guid.NewGuid(), Guid.NewGuid(), "") + "if [ -f /x ]; then\n  echo open\n");

        var result = await ExternalTool.RunAsync("grub-script-check", path);

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task The_config_for_a_disk_names_its_slots_partuuids_and_their_kernels()
    {
        using var temp = new TempDirectory();
        var disk = await TestDisks.CreateFlatcarAsync(temp);

        var config = await GrubConfig.GenerateAsync(disk, "console=ttyS0", default);

        Assert.Contains($"linux /keelson/A/vmlinuz $keelson_cmdline mount.usr=PARTUUID={FlatcarLayout.UsrAPartitionUuid}\n", config, StringComparison.Ordinal);
        Assert.Contains($"linux /keelson/B/vmlinuz $keelson_cmdline mount.usr=PARTUUID={FlatcarLayout.UsrBPartitionUuid}\n", config, StringComparison.Ordinal);
        Assert.Contains("initrd /keelson/B/initrd\n", config, StringComparison.Ordinal);
    }

    [Fact]
    public void The_script_loads_only_keelsons_variables_and_saves_only_a_try()
    {
        var config = GrubConfig.Generate(FlatcarLayout.UsrAPartitionUuid, FlatcarLayout.UsrBPartitionUuid, "");
        var lines = config.Split('\n').Select(l => l.Trim()).ToList();

        Assert.Equal(
            ["if load_env --file $keelson_env KEELSON_ORDER KEELSON_A_GOOD KEELSON_B_GOOD KEELSON_A_TRY KEELSON_B_TRY; then"],
            lines.Where(l => l.Contains("load_env", StringComparison.Ordinal) && !l.StartsWith('#') && !l.StartsWith("echo", StringComparison.Ordinal)));
        var saves = lines.Where(l => l.Contains("save_env", StringComparison.Ordinal)).Distinct().Order().ToList();
        Assert.Equal(["if save_env --file $keelson_env KEELSON_A_TRY; then", "if save_env --file $keelson_env KEELSON_B_TRY; then"], saves);
        Assert.Equal("halt", lines.Last(l => l.Length > 0));
    }

    [Theory]
    [InlineData("console=ttyS0 it's", "a single quote")]
    [InlineData("console=ttyS0\nrd.break", "U+000A")]
    [InlineData("console=ttyS0 mount.usr=/dev/sda3", "names mount.usr= itself")]
    public void A_command_line_grub_cfg_cannot_carry_is_refused(string commandLine, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => GrubConfig.Generate(Guid.NewGuid(), Guid.NewGuid(), commandLine));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grub_cfg_not_generated_by_keelson_has_no_base_command_line()
    {
        var error = Assert.Throws<DiskException>(() => GrubConfig.ReadBaseCommandLine("linux /vmlinuz root=/dev/sda1\nboot\n", "/boot/EFI/BOOT/grub.cfg"));

        Assert.Contains("/boot/EFI/BOOT/grub.cfg", error.Message, StringComparison.Ordinal);
        Assert.Contains("keelson boot grub-config", error.Message, StringComparison.Ordinal);
    }
}
