using Keelson.Disks.Boot;

namespace Keelson.Disks.Tests.Boot;

/// <summary>The environment block against the real grub-editenv (grub-common): each reads what the other writes.</summary>
public sealed class GrubEnvironmentBlockTests
{
    // Values grub-editenv has to escape or could mistake for syntax.
    private static readonly (string Name, string Value)[] s_odd =
    [
        ("KEELSON_ORDER", "B A"),
        ("EMPTY", ""),
        ("EQUALS", "a=b=c"),
        ("BACKSLASH", @"C:\path\"),
        ("NEWLINE", "two\nlines\n"),
        ("HASH", "#not a comment"),
        ("UNICODE", "grüße ✓"),
    ];

    [Fact]
    public async Task Keelson_reads_what_grub_editenv_writes_including_odd_values_and_unset()
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        await ExternalTool.SucceedAsync("grub-editenv", path, "create");
        await ExternalTool.SucceedAsync("grub-editenv", [path, "set", .. s_odd.Select(v => $"{v.Name}={v.Value}")]);
        await ExternalTool.SucceedAsync("grub-editenv", path, "set", "EQUALS=changed in place");
        await ExternalTool.SucceedAsync("grub-editenv", path, "unset", "EMPTY");

        var block = await GrubEnvironmentBlock.ReadAsync(path, default);

        Assert.NotNull(block);
        var expected = s_odd.Where(v => v.Name != "EMPTY").Select(v => v.Name == "EQUALS" ? (v.Name, "changed in place") : v);
        Assert.Equal(expected, block.Variables.Select(v => (v.Key, v.Value)));
    }

    [Fact]
    public async Task Grub_editenv_reads_what_keelson_writes_and_the_bytes_are_the_same_as_its_own()
    {
        using var temp = new TempDirectory();
        var ours = temp.File("ours");
        var theirs = temp.File("theirs");
        var block = GrubEnvironmentBlock.Create();
        foreach (var (name, value) in s_odd)
        {
            block.Set(name, value);
        }

        block.Set("EQUALS", "changed in place");
        block.Remove("EMPTY");
        await block.WriteAsync(ours, default);
        await ExternalTool.SucceedAsync("grub-editenv", theirs, "create");
        await ExternalTool.SucceedAsync("grub-editenv", [theirs, "set", .. s_odd.Select(v => $"{v.Name}={v.Value}")]);
        await ExternalTool.SucceedAsync("grub-editenv", theirs, "set", "EQUALS=changed in place");
        await ExternalTool.SucceedAsync("grub-editenv", theirs, "unset", "EMPTY");

        Assert.Equal(await File.ReadAllBytesAsync(theirs), await File.ReadAllBytesAsync(ours));
        var listed = (await ExternalTool.SucceedAsync("grub-editenv", ours, "list")).StandardOutput;
        Assert.Equal(string.Concat(block.Variables.Select(v => $"{v.Key}={v.Value}\n")), listed);
        Assert.Contains("BACKSLASH=C:\\path\\\n", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changes_by_grub_editenv_to_a_block_keelson_wrote_read_back_and_unknown_variables_are_kept()
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        var block = GrubEnvironmentBlock.Create();
        block.Set("KEELSON_ORDER", "A B");
        await block.WriteAsync(path, default);
        await ExternalTool.SucceedAsync("grub-editenv", path, "set", "saved_entry=other os", "KEELSON_ORDER=B A");

        var read = (await GrubEnvironmentBlock.ReadAsync(path, default))!;
        read.Set("KEELSON_A_GOOD", "1");
        await read.WriteAsync(path, default);

        var listed = (await ExternalTool.SucceedAsync("grub-editenv", path, "list")).StandardOutput;
        Assert.Equal("KEELSON_ORDER=B A\nsaved_entry=other os\nKEELSON_A_GOOD=1\n", listed);
    }

    [Fact]
    public async Task A_missing_block_reads_as_none()
    {
        using var temp = new TempDirectory();

        Assert.Null(await GrubEnvironmentBlock.ReadAsync(temp.File("grubenv"), default));
    }

    [Theory]
    [InlineData("short", "is 25 bytes, not the 1024")]
    [InlineData("signature", "does not start with the signature line")]
    [InlineData("garbage", "after the last line, where only '#' padding may be")]
    [InlineData("no-equals", "is not NAME=value")]
    [InlineData("unterminated", "does not end with a newline")]
    [InlineData("twice", "A is set twice")]
    public async Task A_malformed_block_is_refused_naming_the_file_and_what_is_wrong(string damage, string problem)
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        var text = damage switch
        {
            "short" => "# GRUB Environment Block\n",
            "signature" => Pad("# GRUB Environment Blok\nA=1\n"),
            "garbage" => Pad("# GRUB Environment Block\nA=1\n")[..1000] + "x" + new string('#', 23),
            "no-equals" => Pad("# GRUB Environment Block\nA=1\nJUSTANAME\n"),
            "unterminated" => Pad("# GRUB Environment Block\nA=x\\\n"),
            "twice" => Pad("# GRUB Environment Block\nA=1\nA=2\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        await File.WriteAllTextAsync(path, text);

        var error = await Assert.ThrowsAsync<DiskException>(() => GrubEnvironmentBlock.ReadAsync(path, default));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Grub_editenv_refuses_the_same_damaged_signature_keelson_refuses()
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        await File.WriteAllTextAsync(path, Pad("# GRUB Environment Blok\nA=1\n"));

        var result = await ExternalTool.RunAsync("grub-editenv", path, "list");

        Assert.NotEqual(0, result.ExitCode);
        await Assert.ThrowsAsync<DiskException>(() => GrubEnvironmentBlock.ReadAsync(path, default));
    }

    [Fact]
    public async Task Variables_that_do_not_fit_are_refused_naming_the_file_and_the_old_block_stays()
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        var block = GrubEnvironmentBlock.Create();
        block.Set("KEELSON_ORDER", "A B");
        await block.WriteAsync(path, default);
        var before = await File.ReadAllBytesAsync(path);

        block.Set("BIG", new string('x', 1000));
        var error = await Assert.ThrowsAsync<DiskException>(() => block.WriteAsync(path, default));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 1024", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(["grubenv"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_write_replaces_the_file_by_rename_so_a_reader_never_sees_half_a_block()
    {
        using var temp = new TempDirectory();
        var path = temp.File("grubenv");
        var block = GrubEnvironmentBlock.Create();
        block.Set("KEELSON_ORDER", "A B");
        await block.WriteAsync(path, default);

        // A reader holding the old file keeps reading the old block while the new one is written: the new block is a
        // new file renamed over the old name, never the old file's bytes rewritten in place.
        await using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        block.Set("KEELSON_ORDER", "B A");
        await block.WriteAsync(path, default);

        var old = new byte[GrubEnvironmentBlock.Size];
        await reader.ReadExactlyAsync(old);
        Assert.Equal("A B", GrubEnvironmentBlock.Parse(old, "old").Get("KEELSON_ORDER"));
        Assert.Equal("B A", (await GrubEnvironmentBlock.ReadAsync(path, default))!.Get("KEELSON_ORDER"));
        Assert.Equal(["grubenv"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    private static string Pad(string text) => text + new string('#', GrubEnvironmentBlock.Size - text.Length);
}
