using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Keelson.Server.Security;
using Keelson.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keelson.Benchmarks;

/// <summary>
/// The check of a presented token, which machines' endpoints run on every request: SHA-256 and one lookup among
/// 1,000 tokens. The baseline is the SHA-256 alone, the least any check of a hashed secret costs.
/// </summary>
[MemoryDiagnoser]
public class TokenCheckBenchmarks
{
    private string _directory = "";
    private Database _database = null!;
    private TokenStore _store = null!;
    private string _known = "";
    private readonly string _unknown = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("keelson-token-bench-").FullName;
        _database = Database.Open(DatabaseLocation.Sqlite(Path.Combine(_directory, "keelson.db")));
        await Migrations.ApplyAsync(_database, TimeProvider.System, CancellationToken.None);
        _store = new TokenStore(_database, TimeProvider.System, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), NullLogger<TokenStore>.Instance);
        for (var i = 0; i < 1_000; i++)
        {
            var created = await _store.CreateAsync($"machine-{i}", "machine", CancellationToken.None);
            _known = created.Value!.Secret;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public byte[] Sha256Only() => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_known));

    [Benchmark]
    public Caller? KnownToken() => _store.AuthenticateAsync(_known, CancellationToken.None).Result;

    [Benchmark]
    public Caller? UnknownToken() => _store.AuthenticateAsync(_unknown, CancellationToken.None).Result;
}
