using Keelson.CloudConfig.Validation;

namespace Keelson.CloudConfig.Tests;

/// <summary>Each of coreos-cloudinit's validation rules, with the line and message a user sees.</summary>
public sealed class ValidationTests
{
    [Theory]
    [InlineData("#cloud-config\nhostname: a\n")]
    [InlineData("#cloud-config  \r\nhostname: a\r\n")]
    [InlineData("#cloud-config")]
    [InlineData("\uFEFF#cloud-config\nhostname: a\n")]
    public void A_cloud_config_header_is_the_first_line_with_trailing_space_ignored(string text)
    {
        var document = Parse(text);

        Assert.Equal(DocumentKind.CloudConfig, document.Kind);
        Assert.Empty(document.Report.Entries);
    }

    [Fact]
    public void Anything_else_is_an_error_at_line_1()
    {
        Assert.Equal(["line 1: error: must be \"#cloud-config\" or begin with \"#!\""], Lines("hostname: a\n"));
        Assert.Equal(["line 1: error: must be \"#cloud-config\" or begin with \"#!\""], Lines("# cloud-config\nhostname: a\n"));
    }

    [Fact]
    public void Scripts_and_empty_files_are_clean()
    {
        Assert.Equal(DocumentKind.Script, Parse("#!/bin/bash\necho hi\n").Kind);
        Assert.Empty(Parse("#!/bin/bash\necho hi\n").Report.Entries);
        Assert.Equal(DocumentKind.Empty, Parse("").Kind);
        Assert.Empty(Parse("").Report.Entries);
    }

    [Theory]
    [InlineData("#cloud-config\nhostname: a\n  bad: b\n", 3)]
    [InlineData("#cloud-config\ncoreos:\n  units: [\n", 4)]
    [InlineData("#cloud-config\nusers:\n  - name: a\n - name: b\n", 4)]
    [InlineData("#cloud-config\nhostname: \"unterminated\n", 2)]
    public void A_yaml_syntax_error_is_an_error_at_its_line(string text, int line)
    {
        var entry = Assert.Single(Parse(text).Report.Entries);

        Assert.Equal(EntryKind.Error, entry.Kind);
        Assert.Equal(line, entry.Line);
        Assert.NotEmpty(entry.Message);
    }

    [Theory]
    [InlineData("coreos:\n  update:\n    reboot-strategy: always\n", "line 4: error: invalid value always")]
    [InlineData("coreos:\n  units:\n    - name: a.service\n      command: lol\n", "line 5: error: invalid value lol")]
    [InlineData("write_files:\n  - path: /etc/a\n    permissions: 0999\n", "line 4: error: invalid value 0999")]
    [InlineData("write_files:\n  - path: /etc/a\n    permissions: '755'\n", null)]
    [InlineData("coreos:\n  etcd2:\n    proxy: maybe\n", "line 4: error: invalid value maybe")]
    [InlineData("coreos:\n  etcd2:\n    proxy: readonly\n", null)]
    [InlineData("manage_etc_hosts: yes\n", "line 2: error: invalid value yes")]
    [InlineData("coreos:\n  locksmith:\n    window-start: Fri 25:00\n", "line 4: error: invalid value Fri 25:00")]
    [InlineData("coreos:\n  locksmith:\n    window-start: fri 04:05\n    window-length: 1h30m\n", null)]
    [InlineData("coreos:\n  locksmith:\n    window-length: 90\n", "line 4: error: invalid value 90")]
    [InlineData("coreos:\n  update:\n    reboot-strategy: fleetlock\n", null)]
    [InlineData("coreos:\n  update:\n    reboot-strategy: best-effort\n", null)]
    public void A_value_failing_its_pattern_is_an_error_at_the_values_line(string body, string? expected)
    {
        var lines = Lines("#cloud-config\n" + body);

        Assert.Equal(expected is null ? [] : [expected], lines);
    }

    [Fact]
    public void Off_and_octal_permissions_keep_their_raw_text()
    {
        // YAML 1.1 would read these as false and 484; cloud-config takes the text.
        Assert.Empty(Parse("#cloud-config\ncoreos:\n  update:\n    reboot-strategy: off\nwrite_files:\n  - path: /etc/a\n    permissions: 0744\n").Report.Entries);
    }

    [Fact]
    public void A_line_break_in_a_value_written_to_a_settings_file_is_an_error()
    {
        var lines = Lines("#cloud-config\ncoreos:\n  update:\n    group: \"stable\\nSERVER=http://elsewhere/\"\n");

        Assert.Equal(["line 4: error: invalid value stable\\nSERVER=http://elsewhere/"], lines);
    }

    [Theory]
    [InlineData("bogus: 1\n", "line 2: warning: unrecognized key \"bogus\"")]
    [InlineData("coreos:\n  update:\n    channel: beta\n", "line 4: warning: unrecognized key \"channel\"")]
    [InlineData("users:\n  - name: a\n    sudo: ALL\n", "line 4: warning: unrecognized key \"sudo\"")]
    public void An_unknown_key_is_a_warning_at_its_line(string body, string expected)
    {
        Assert.Equal([expected], Lines("#cloud-config\n" + body));
    }

    [Theory]
    [InlineData("hostname:\n  - a\n", "line 2: warning: incorrect type for \"hostname\" (want string)")]
    [InlineData("ssh_authorized_keys: ssh-rsa AAAA\n", "line 2: warning: incorrect type for \"ssh_authorized_keys\" (want []string)")]
    [InlineData("coreos:\n  units:\n    - name: a.service\n      enable: \"true\"\n", "line 5: warning: incorrect type for \"coreos.units[0].enable\" (want bool)")]
    [InlineData("users:\n  - bob\n", "line 3: warning: incorrect type for \"users[0]\" (want struct)")]
    [InlineData("coreos:\n  etcd2:\n    election-timeout: \"1200\"\n", "line 4: warning: incorrect type for \"coreos.etcd2.election_timeout\" (want int)")]
    [InlineData("coreos: [update]\n", "line 2: warning: incorrect type for \"coreos\" (want struct)")]
    [InlineData("write_files:\n  path: /etc/a\n", "line 2: warning: incorrect type for \"write_files\" (want []struct)")]
    public void A_wrong_type_is_a_warning_naming_the_path_and_the_type(string body, string expected)
    {
        Assert.Equal([expected], Lines("#cloud-config\n" + body));
    }

    [Theory]
    [InlineData("hostname: 4\n")]
    [InlineData("hostname: true\n")]
    [InlineData("hostname: 1.5\n")]
    [InlineData("coreos:\n  etcd2:\n    election-timeout: 1200\n    debug: yes\n")]
    [InlineData("coreos:\n  units:\n    - name: a.service\n      enable: on\n")]
    [InlineData("hostname:\n")]
    public void A_string_takes_numbers_and_booleans_and_an_empty_value_is_unset(string body)
    {
        Assert.Empty(Lines("#cloud-config\n" + body));
    }

    [Theory]
    [InlineData("base64", "aGVsbG8gd29ybGQK", null)]
    [InlineData("b64", "not base64!", "line 5: error: content cannot be decoded as \"b64\"")]
    [InlineData("gzip+base64", "aGVsbG8gd29ybGQK", "line 5: error: content cannot be decoded as \"gzip+base64\"")]
    [InlineData("gz", "plain text", "line 5: error: content cannot be decoded as \"gz\"")]
    [InlineData("gzip+base64", "H4sIAAAAAAAC/8tIzcnJBwCGphA2BQAAAA==", null)]
    public void Content_must_decode_with_its_encoding(string encoding, string content, string? expected)
    {
        var lines = Lines($"#cloud-config\nwrite_files:\n  - path: /etc/a\n    encoding: {encoding}\n    content: \"{content}\"\n");

        Assert.Equal(expected is null ? [] : [expected], lines);
    }

    [Fact]
    public void An_unknown_encoding_is_both_an_invalid_value_and_undecodable()
    {
        var lines = Lines("#cloud-config\nwrite_files:\n  - path: /etc/a\n    encoding: custom\n    content: hello\n");

        Assert.Equal(["line 4: error: invalid value custom", "line 5: error: content cannot be decoded as \"custom\""], lines);
    }

    [Fact]
    public void Binary_content_is_decoded_before_its_encoding()
    {
        // !!binary "hello\n" is not base64 itself; !!binary of base64 text is.
        Assert.Equal(["line 5: error: content cannot be decoded as \"base64\""],
            Lines("#cloud-config\nwrite_files:\n  - path: /a\n    encoding: base64\n    content: !!binary aGVsbG8K\n"));
        Assert.Empty(Lines("#cloud-config\nwrite_files:\n  - path: /a\n    encoding: base64\n    content: !!binary YUdWc2JHOEsK\n"));
    }

    [Fact]
    public void A_gzip_bomb_is_refused()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[ContentDecoder.MaxDecodedBytes + 1]);
        }

        var lines = Lines($"#cloud-config\nwrite_files:\n  - path: /a\n    encoding: gzip+base64\n    content: {Convert.ToBase64String(compressed.ToArray())}\n");

        Assert.Equal(["line 5: error: content decoded as \"gzip+base64\" is larger than 16 MiB"], lines);
    }

    [Theory]
    [InlineData("/usr/bin/tool", true)]
    [InlineData("/usr/share/coreos/update.conf", true)]
    [InlineData("/tmp/../usr/lib/x", true)]
    [InlineData("/tmp/usr/valid", false)]
    [InlineData("/usr", false)]
    [InlineData("/etc/usr", false)]
    public void Writing_under_usr_is_an_error(string path, bool refused)
    {
        var lines = Lines($"#cloud-config\nwrite_files:\n  - path: {path}\n");

        Assert.Equal(refused ? ["line 3: error: file cannot be written to a read-only filesystem"] : [], lines);
    }

    [Fact]
    public void Write_files_under_coreos_is_an_info_and_an_unknown_key()
    {
        var lines = Lines("#cloud-config\ncoreos:\n  write-files:\n    - path: /etc/a\n");

        Assert.Equal(["line 3: warning: unrecognized key \"write_files\"", "line 3: info: write_files doesn't belong under coreos"], lines);
    }

    [Fact]
    public void Deprecated_keys_are_warnings_with_the_reason()
    {
        var lines = Lines("#cloud-config\ncoreos:\n  etcd:\n    addr: 1.2.3.4:4001\n    proxy: on\n  fleet:\n    public-ip: 1.2.3.4\n  etcd2:\n    ca-file: /etc/ca.pem\n");

        Assert.Equal(
        [
            "line 5: warning: deprecated key \"proxy\" (etcd2 options no longer work for etcd)",
            "line 9: warning: deprecated key \"ca_file\" (obsoleted by trusted_ca_file and client_cert_auth)",
        ], lines);
    }

    [Fact]
    public void Dashes_and_underscores_are_the_same_in_keys_and_a_duplicate_is_a_warning()
    {
        Assert.Empty(Lines("#cloud-config\ncoreos:\n  update:\n    reboot_strategy: reboot\nssh-authorized-keys:\n  - a\n"));
        Assert.Equal(["line 5: warning: duplicate key \"reboot_strategy\" (the last one is used)"],
            Lines("#cloud-config\ncoreos:\n  update:\n    reboot-strategy: reboot\n    reboot_strategy: off\n"));
    }

    [Fact]
    public void Entries_come_in_line_order_and_as_json_fields()
    {
        var document = Parse("#cloud-config\nzzz: 1\ncoreos:\n  update:\n    reboot-strategy: never\nhostname:\n  a: b\n");

        Assert.Equal(
        [
            "line 2: warning: unrecognized key \"zzz\"",
            "line 5: error: invalid value never",
            "line 6: warning: incorrect type for \"hostname\" (want string)",
        ], document.Report.Entries.Select(e => e.ToString()));
        Assert.True(document.Report.HasErrors);
        Assert.Equal(["warning", "error", "warning"], document.Report.Entries.Select(e => e.KindName));
    }

    [Fact]
    public void Ip_placeholders_are_substituted_before_parsing_and_an_escaped_one_is_literal()
    {
        var substitutions = new IpSubstitutions(PublicIpv4: "203.0.113.5", PrivateIpv4: "10.1.2.3", PublicIpv6: "2001:db8::5");

        Assert.Equal("http://10.1.2.3:2379 203.0.113.5 [2001:db8::5] $private_ipv4 ", substitutions.Apply("http://$private_ipv4:2379 $public_ipv4 [$public_ipv6] \\$private_ipv4 $private_ipv6"));
        Assert.Equal("a$b $public_ipv5", substitutions.Apply("a$b $public_ipv5"));
        Assert.Equal("10.1.2.310.1.2.3", substitutions.Apply("$private_ipv4$private_ipv4"));
    }

    [Fact]
    public void A_placeholder_value_with_a_line_break_is_refused()
    {
        var substitutions = new IpSubstitutions(PublicIpv4: "1.2.3.4\nhostname: evil");

        var error = Assert.Throws<CloudConfigException>(() => CloudConfigDocument.Parse("#cloud-config\nhostname: $public_ipv4\n", substitutions));

        Assert.Contains("COREOS_PUBLIC_IPV4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_over_1_MiB_is_refused_unread()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("#cloud-config\n# " + new string('x', CloudConfigDocument.MaxBytes) + "\n");

        var document = CloudConfigDocument.Parse(bytes, IpSubstitutions.None);

        Assert.Equal(["line 1: error: the document is larger than 1 MiB; a cloud-config is a few kilobytes"], document.Report.Entries.Select(e => e.ToString()));
    }

    [Fact]
    public void Aliases_expanding_enormously_are_refused_quickly()
    {
        var text = "#cloud-config\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            + string.Concat(Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [{string.Join(',', Enumerable.Repeat("*" + (char)('a' + i - 1), 9))}]\n"));

        var entry = Assert.Single(Parse(text).Report.Entries);

        Assert.Equal(EntryKind.Error, entry.Kind);
        Assert.Contains("more than 100000 YAML nodes", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_nesting_is_refused()
    {
        var text = "#cloud-config\nhostname: " + new string('[', 200) + new string(']', 200) + "\n";

        Assert.Equal(["line 2: error: the document nests deeper than 64 levels"], Lines(text));
    }

    [Fact]
    public void An_unknown_alias_and_a_second_document_are_errors()
    {
        Assert.Equal(["line 2: error: unknown alias *nowhere"], Lines("#cloud-config\nhostname: *nowhere\n"));
        Assert.Equal(["line 3: error: only one YAML document is allowed"], Lines("#cloud-config\nhostname: a\n---\nhostname: b\n"));
    }

    [Fact]
    public void Invalid_utf8_is_an_error()
    {
        var document = CloudConfigDocument.Parse([.. "#cloud-config\nhostname: "u8, 0xff, 0xfe], IpSubstitutions.None);

        Assert.Equal(["line 1: error: the document is not UTF-8 text"], document.Report.Entries.Select(e => e.ToString()));
    }

    [Fact]
    public void Input_the_yaml_parser_trips_over_is_an_error_not_a_crash()
    {
        // YamlDotNet throws InvalidOperationException rather than a syntax error on this.
        var text = "#cloud-config\nusers:\n  - name: a\n    passwd: $6$\"x\n    ssh-authorized-keys:\n{     - ssh-ed25519 AAAA\nB x\n  - name: b\n";

        var entry = Assert.Single(Parse(text).Report.Entries);

        Assert.Equal(EntryKind.Error, entry.Kind);
    }

    [Fact]
    public void Mangled_documents_give_a_report_not_an_exception()
    {
        var random = new Random(20250101);
        var seeds = Directory.GetFiles(TestRoot.Samples, "cloud-config.yml", SearchOption.AllDirectories).Select(File.ReadAllText).ToArray();
        const string alphabet = "-:[]{}&*!|>'\"#%@`,? \n\t\\$0aZ.";
        for (var i = 0; i < 3000; i++)
        {
            var text = seeds[random.Next(seeds.Length)].ToCharArray().ToList();
            for (var edits = random.Next(1, 8); edits > 0; edits--)
            {
                var at = random.Next(text.Count);
                switch (random.Next(3))
                {
                    case 0:
                        text.RemoveAt(at);
                        break;
                    case 1:
                        text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        text[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                }
            }

            var mangled = new string([.. text]);
            var exception = Record.Exception(() => CloudConfigDocument.Parse(mangled, SampleTests.Addresses));
            Assert.True(exception is null, $"{exception}\n---\n{mangled}");
        }
    }

    private static CloudConfigDocument Parse(string text) => CloudConfigDocument.Parse(text, IpSubstitutions.None);

    private static List<string> Lines(string text) => [.. Parse(text).Report.Entries.Select(e => e.ToString())];
}
