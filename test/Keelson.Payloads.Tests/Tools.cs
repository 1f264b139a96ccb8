using System.ComponentModel;
using System.Diagnostics;
using Xunit.Sdk;

namespace Keelson.Payloads.Tests;

/// <summary>
/// Runs the real tools the tests check against: e2fsprogs (<c>mkfs.ext4 -d</c>, <c>debugfs</c>) and openssl. A
/// missing tool fails the test, saying what to install; it never skips.
/// </summary>
public static class Tools
{
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new XunitException($"'{program}' could not be started ({e.Message}): install e2fsprogs and openssl (apt-get install -y e2fsprogs openssl)");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                throw new XunitException($"{program} {string.Join(' ', arguments)} did not finish within 60 s");
            }

            if (process.ExitCode != 0)
            {
                throw new XunitException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output.Result}{error.Result}");
            }

            return output.Result;
        }
    }

    /// <summary>An ext4 image of <paramref name="sizeMiB"/> MiB holding the files of <paramref name="directory"/>, as <c>mkfs.ext4 -d</c> makes it.</summary>
    public static void MakeExt4(string image, string directory, int sizeMiB) =>
        Run("mkfs.ext4", "-q", "-F", "-b", "4096", "-U", "7130c94a-213a-4e5a-8e26-6cce9662f132", "-E", "hash_seed=2f3a1e2b-8c4d-4e5f-9a6b-7c8d9e0f1a2b",
            "-d", directory, image, $"{sizeMiB}M");

    /// <summary>Replaces the file <paramref name="path"/> inside an ext4 image with <paramref name="local"/>, in place (<c>debugfs -w</c>).</summary>
    public static void ReplaceInExt4(string image, string path, string local)
    {
        Run("debugfs", "-w", "-R", $"rm {path}", image);
        Run("debugfs", "-w", "-R", $"write {local} {path}", image);
    }
}
