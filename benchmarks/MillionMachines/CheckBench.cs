using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MillionMachines;

/// <summary>
/// The Omaha check under load, as benchmarks/omaha-check.sh measures it: wrk -t2 POSTing the sample request through
/// benchmarks/omaha-check.lua as 10,000 machines that run their channel's version (routine checks).
/// </summary>
internal sealed partial class CheckBench(Uri server, int connections, int seconds)
{
    private const int Machines = 10_000;
    private readonly string _body = Path.Combine(Path.GetTempPath(), $"keelson-million-check-{Environment.ProcessId}.xml");

    /// <summary>
    /// Writes the request body and lets the 10,000 machines check for 10 s, so that the measured checks are routine and
    /// the server has compiled its hot paths to their final tier (as benchmarks/omaha-check.sh does).
    /// </summary>
    public async Task PrepareAsync()
    {
        var sample = await File.ReadAllTextAsync(Program.Find("test/samples/omaha/request-updatecheck.xml"));
        // Group stable's channel runs 4081.2.0 in the seed: the machines are up to date.
        await File.WriteAllTextAsync(_body, sample.Replace("version=\"2512.2.0\" track", "version=\"4081.2.0\" track", StringComparison.Ordinal));
        await WrkAsync(10, latency: false);
    }

    public async Task<(string P50, string P99, string Rate)> RunAsync(string name)
    {
        var output = await WrkAsync(seconds, latency: true);
        string Find(Regex pattern) => pattern.Match(output) is { Success: true } m ? m.Groups[1].Value : "?";
        var result = (Find(P50()), Find(P99()), Find(Rate()));
        Console.WriteLine($"{name}: {result.Item3} requests/s, p50 {result.Item1}, p99 {result.Item2} (wrk -t2 -c{connections} -d{seconds}s)");
        return result;
    }

    private async Task<string> WrkAsync(int duration, bool latency)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["BODY_FILE"] = _body, ["MACHINES"] = Machines.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        foreach (var arg in (string[])["-t2", $"-c{connections}", $"-d{duration}s", "-s", Program.Find("benchmarks/omaha-check.lua")])
        {
            start.ArgumentList.Add(arg);
        }

        if (latency)
        {
            start.ArgumentList.Add("--latency");
        }

        start.ArgumentList.Add(server.ToString());
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("wrk is missing: apt-get install -y wrk", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await output;
            if (process.ExitCode != 0 || text.Contains("Non-2xx", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {text}{await error}");
            }

            return text;
        }
    }

    [GeneratedRegex(@"^\s*50%\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex P50();

    [GeneratedRegex(@"^\s*99%\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex P99();

    [GeneratedRegex(@"Requests/sec:\s+(\S+)")]
    private static partial Regex Rate();
}
