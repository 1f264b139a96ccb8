using BenchmarkDotNet.Running;

namespace Keelson.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line, e.g. <c>--filter *Omaha*</c> or <c>--job dry</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
