using System.Globalization;
using Xunit.Abstractions;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// Machine ids (32 hex digits, as /etc/machine-id) from a seeded generator. The seed is logged; setting
/// KEELSON_TEST_SEED to it makes a run with the same ids.
/// </summary>
internal sealed class MachineIds
{
    private const string SeedVariable = "KEELSON_TEST_SEED";

    private readonly Random _random;
    private readonly HashSet<string> _given = [];

    private MachineIds(int seed) => _random = new Random(seed);

    public static MachineIds Create(ITestOutputHelper log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var chosen)
            ? chosen
            : Random.Shared.Next();
        log.WriteLine($"machine ids from seed {seed} ({SeedVariable}={seed} repeats them)");
        return new MachineIds(seed);
    }

    public string Next()
    {
        var bytes = new byte[16];
        do
        {
            _random.NextBytes(bytes);
        }
        while (!_given.Add(Convert.ToHexStringLower(bytes)));

        return Convert.ToHexStringLower(bytes);
    }
}
