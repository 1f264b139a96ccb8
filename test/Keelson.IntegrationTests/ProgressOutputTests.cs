using System.Text.RegularExpressions;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>
/// What the long commands print about their progress when their output goes to a file or a pipe, as in CI: plain
/// lines that a log keeps, no animation and no control characters, percentages that only grow and end at 100%.
/// </summary>
public sealed partial class ProgressOutputTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Create_apply_and_publish_print_plain_rising_percentages_when_redirected()
    {
        await using var keelson = new KeelsonProcess(log);
        await keelson.StartServerAsync();
        await keelson.SucceedAsync("payload", "keygen", "--out", "signing.key");
        // Random data (does not compress) and zeros, so that the payload holds both kinds of operation.
        var image = new byte[48 << 20];
        Random.Shared.NextBytes(image.AsSpan(0, 24 << 20));
        await File.WriteAllBytesAsync(keelson.PathOf("usr.img"), image);
        await File.WriteAllBytesAsync(keelson.PathOf("slot-b"), new byte[48 << 20]);

        var created = await keelson.SucceedAsync("payload", "create", "--image", "usr.img", "--version", "2605.10.0", "--key", "signing.key", "--out", "update.kpay");
        var applied = await keelson.SucceedAsync("payload", "apply", "update.kpay", "--target", "slot-b", "--pubkey", "signing.key.pub");
        var published = await keelson.SucceedAsync("package", "publish", "--version", "2605.10.0", "--file", keelson.PathOf("update.kpay"));
        var json = await keelson.SucceedAsync("payload", "create", "--image", "usr.img", "--version", "2605.10.0", "--key", "signing.key", "--out", "again.kpay", "--json");

        AssertPlainProgress(created, "creating 2605.10.0", "48.0 MiB");
        AssertPlainProgress(applied, "applying update.kpay", "48.0 MiB");
        AssertPlainProgress(published, "uploading 2605.10.0", Size(new FileInfo(keelson.PathOf("update.kpay")).Length));
        // The progress goes to stderr: stdout stays the result, here JSON a script can parse whole.
        Assert.Equal("2605.10.0", Json.Parse(json.StandardOutput).GetProperty("version").GetString());
        Assert.Equal(image, await File.ReadAllBytesAsync(keelson.PathOf("slot-b")));
    }

    private static void AssertPlainProgress(ProcessResult result, string title, string total)
    {
        Assert.DoesNotContain(result.StandardError + result.StandardOutput, c => char.IsControl(c) && c != '\n');
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length is >= 1 and <= 4, result.ToString());
        var percentages = lines.Select(line =>
        {
            var match = ProgressLine().Match(line);
            Assert.True(match.Success && match.Groups["title"].Value == title && match.Groups["total"].Value == total, $"'{line}' in\n{result}");
            return int.Parse(match.Groups["percent"].Value, System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        Assert.Equal(percentages.Order(), percentages);
        Assert.Equal(percentages.Distinct(), percentages);
        Assert.Equal(100, percentages[^1]);
    }

    /// <summary>A size of 1 to 1024 MiB as keelson writes it: three significant digits.</summary>
    private static string Size(long bytes)
    {
        var mib = bytes / (double)(1 << 20);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{mib.ToString(mib >= 100 ? "0" : mib >= 10 ? "0.0" : "0.00", System.Globalization.CultureInfo.InvariantCulture)} MiB");
    }

    [GeneratedRegex(@"^(?<title>.+): (?<percent>\d{1,3})% \([0-9.]+ [KMG]?i?B of (?<total>[0-9.]+ [KMG]?i?B)(, [0-9.]+ [KMG]?i?B/s)?\)$")]
    private static partial Regex ProgressLine();
}
