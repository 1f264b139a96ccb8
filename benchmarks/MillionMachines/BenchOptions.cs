using System.Globalization;

namespace MillionMachines;

/// <summary>The benchmark's command line.</summary>
internal sealed record BenchOptions(
    int Machines, int Requests, string? Data, string? Database, int CheckSeconds, int Connections, bool SkipPages, bool SkipChecks, int PruneSeconds)
{
    public const string Usage =
        "usage: MillionMachines [--machines N] [--requests N] [--data DIR] [--database postgres://...] [--check-seconds N] [--connections N] [--skip-pages] [--skip-checks] [--prune-seconds N]";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions(1_000_000, 40, null, null, 20, 64, false, false, 0);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            int Number(int min)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                    ? n
                    : throw new FormatException($"{name} {text}: not a whole number of at least {min}");
            }

            options = args[i] switch
            {
                "--machines" => options with { Machines = Number(1) },
                "--requests" => options with { Requests = Number(1) },
                "--data" => options with { Data = Path.GetFullPath(Value()) },
                "--database" => options with { Database = Value() },
                "--check-seconds" => options with { CheckSeconds = Number(1) },
                "--connections" => options with { Connections = Number(1) },
                "--skip-pages" => options with { SkipPages = true },
                "--skip-checks" => options with { SkipChecks = true },
                "--prune-seconds" => options with { PruneSeconds = Number(1) },
                _ => throw new FormatException($"unknown option {args[i]}"),
            };
        }

        return options;
    }
}
