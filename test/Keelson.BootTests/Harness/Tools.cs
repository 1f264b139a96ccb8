using System.Reflection;
using Keelson.IntegrationTests.Harness;
using Xunit.Sdk;

namespace Keelson.BootTests.Harness;

/// <summary>Runs the host tools the boot tests build and inspect images with; a tool that fails fails the test.</summary>
public static class Tools
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(300);

    /// <summary>The checkout this build came from (recorded by the project file): its images/build-test-image.</summary>
    public static string Checkout { get; } =
        typeof(Tools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Checkout").Value!;

    public static string ImageBuilder => Path.Combine(Checkout, "images", "build-test-image");

    /// <summary>The dotnet host running this build (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>How the image builder runs keelson: the dotnet host and the keelson.dll of this build.</summary>
    public static string KeelsonCommand => $"{DotnetHost} {KeelsonProcess.CliAssembly}";

    /// <summary>Runs the keelson.dll of this build; returns its standard output, throws unless it exits 0.</summary>
    public static Task<string> KeelsonAsync(params string[] arguments) => RunAsync(DotnetHost, [KeelsonProcess.CliAssembly, .. arguments]);

    /// <summary>Runs <paramref name="program"/> and returns its standard output; throws with everything it printed unless it exits 0.</summary>
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.Describe(program, arguments), s_timeout);
        return result.ExitCode == 0 ? result.StandardOutput : throw new XunitException($"{program} failed:\n{result}");
    }
}
