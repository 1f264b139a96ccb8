using Keelson.Cli.Commands;

namespace Keelson.Cli.Tests.Commands;

/// <summary>
/// <c>keelson lock</c> parses what people type for locksmithctl: its flags with one or two dashes, with the value
/// after a space or an '=', and -endpoint repeated, as Go's flag package takes them.
/// </summary>
public sealed class LocksmithctlSpellingTests
{
    /// <summary>The lines of test/samples/locksmithctl/flag-spellings.txt, each split into its arguments.</summary>
    public static TheoryData<string[]> LocksmithctlLines()
    {
        var lines = new TheoryData<string[]>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "samples", "locksmithctl", "flag-spellings.txt")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                lines.Add(line.Split(' '));
            }
        }

        return lines;
    }

    [Theory]
    [MemberData(nameof(LocksmithctlLines))]
    public void Locksmithctl_spellings_set_the_same_options_as_Keelsons(string[] arguments)
    {
        var parse = Program.BuildRoot().Parse(arguments);

        Assert.Empty(parse.Errors);
        Assert.Equal("status", parse.CommandResult.Command.Name);
        var settings = LockCommands.Settings(parse);
        Assert.Equal([new Uri("http://10.0.0.1:2379")], settings.Endpoints);
        Assert.Equal(
            ("workers", "ca.pem", "c.pem", "k.pem", "root", "pw"),
            (LockCommands.Group(parse), settings.CaFile, settings.CertFile, settings.KeyFile, settings.Username, settings.Password));
    }

    [Fact]
    public void Endpoint_given_several_times_adds_up_as_in_locksmithctl()
    {
        var parse = Program.BuildRoot().Parse(["lock", "-endpoint", "http://10.0.0.1:2379", "-endpoint=http://10.0.0.2:2379,http://10.0.0.3:2379", "unlock", "m1"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(
            [new Uri("http://10.0.0.1:2379"), new Uri("http://10.0.0.2:2379"), new Uri("http://10.0.0.3:2379")],
            LockCommands.Settings(parse).Endpoints);
    }

    [Fact]
    public void A_bad_endpoint_among_several_is_named()
    {
        var parse = Program.BuildRoot().Parse(["lock", "-endpoint", "http://10.0.0.1:2379", "-endpoint", "ftp://10.0.0.2:2379", "status"]);

        Assert.Equal(["--endpoints 'ftp://10.0.0.2:2379' is not an etcd client URL such as http://127.0.0.1:2379"], parse.Errors.Select(e => e.Message));
    }

    [Fact]
    public void A_bad_maximum_is_refused_in_locksmithctls_words_then_Keelsons()
    {
        var parse = Program.BuildRoot().Parse(["lock", "set-max", "two"]);

        Assert.Equal(["Invalid maximum value: two (set-max takes a number of slots: a whole number, 0 or more)"], parse.Errors.Select(e => e.Message));
    }

    [Theory]
    [InlineData("--endpoints", "LOCKSMITHCTL_ENDPOINT", new[] { "-endpoint", "--endpoint" })]
    [InlineData("--group", "LOCKSMITHCTL_GROUP", new[] { "-group" })]
    [InlineData("--etcd-cafile", "LOCKSMITHCTL_ETCD_CAFILE", new[] { "-etcd-cafile" })]
    [InlineData("--etcd-password", "LOCKSMITHCTL_ETCD_PASSWORD", new[] { "-etcd-password" })]
    public void The_table_gives_locksmithctls_flags_and_variables(string option, string variable, string[] aliases)
    {
        Assert.Equal(variable, Locksmithctl.Variable(option));
        Assert.Equal(aliases, Locksmithctl.Aliases(option));
    }

    [Theory]
    [InlineData("-debug")]
    [InlineData("-version")]
    [InlineData("-endpont")]
    public void Flags_with_no_keelson_option_are_refused_not_ignored(string flag)
    {
        var parse = Program.BuildRoot().Parse(["lock", flag, "status"]);

        var error = Assert.Single(UsageErrors.Describe(parse));
        Assert.StartsWith($"'{flag}' is not an option of 'keelson lock'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_shows_keelsons_names_and_hides_locksmithctls()
    {
        var output = new StringWriter();
        var parse = Program.BuildRoot().Parse(["lock", "--help"]);
        parse.InvocationConfiguration.Output = output;

        parse.Invoke();

        var help = output.ToString();
        Assert.Contains("  --group <group>", help, StringComparison.Ordinal);
        Assert.Contains("  --etcd-cafile <etcd-cafile>", help, StringComparison.Ordinal);
        Assert.DoesNotContain("  -group", help, StringComparison.Ordinal);
        Assert.DoesNotContain("-endpoint ", help, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mistyped_flag_is_answered_with_the_nearest_spelling()
    {
        var parse = Program.BuildRoot().Parse(["lock", "-endpont", "http://10.0.0.1:2379", "status"]);

        Assert.Equal(["'-endpont' is not an option of 'keelson lock'. Did you mean '-endpoint'?"], UsageErrors.Describe(parse));
    }
}
