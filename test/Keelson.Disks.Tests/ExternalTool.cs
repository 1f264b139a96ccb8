using System.ComponentModel;
using System.Diagnostics;
using Xunit.Sdk;

namespace Keelson.Disks.Tests;

/// <summary>
/// Runs the independent GPT tools (sgdisk from gdisk, cgpt) that check Keelson's disks. A missing tool fails the
/// test with what to install; it never skips it.
/// </summary>
internal static class ExternalTool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static async Task<ToolResult> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new XunitException($"{program} did not start");
        }
        catch (Win32Exception e)
        {
            throw new XunitException($"{program} is needed by this test but cannot be run ({e.Message}); install it (Debian: {Package(program)})");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(s_timeout);
            await process.WaitForExitAsync(timeout.Token);
            return new ToolResult($"{program} {string.Join(' ', arguments)}", process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Runs the tool and fails the test unless it exits 0.</summary>
    public static async Task<ToolResult> SucceedAsync(string program, params string[] arguments)
    {
        var result = await RunAsync(program, arguments);
        return result.ExitCode == 0 ? result : throw new XunitException($"expected exit 0:\n{result}");
    }

    /// <summary><c>sgdisk -v</c> and the assertion that it found nothing wrong.</summary>
    public static async Task AssertSgdiskFindsNoProblemsAsync(string path)
    {
        var result = await RunAsync("sgdisk", "-v", path);
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Contains("No problems found", StringComparison.Ordinal), result.ToString());
    }

    /// <summary>One number from <c>cgpt show -i N -P|-T|-S|-A</c>.</summary>
    public static async Task<int> CgptShowAsync(string path, int partition, char field)
    {
        var result = await SucceedAsync("cgpt", "show", "-i", partition.ToString(System.Globalization.CultureInfo.InvariantCulture), $"-{field}", path);
        var text = result.StandardOutput.Trim();
        return text.StartsWith("0x", StringComparison.Ordinal)
            ? Convert.ToInt32(text[2..], 16)
            : int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Package(string program) => program switch
    {
        "sgdisk" => "gdisk",
        "losetup" => "mount",
        _ => program,
    };
}
