using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Keelson.Postgres;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Security;

/// <summary>
/// The named tokens (table <c>api_tokens</c>) and the server's built-in admin token, and the one check of a
/// presented secret, for the admin API, the dashboard and the machines' endpoints alike.
/// </summary>
/// <remarks>
/// <para>
/// Only a SHA-256 of each secret is kept. Secrets are 256-bit random values made by this server, so nobody can
/// search for one by hashing guesses; a deliberately slow password hash (bcrypt, Argon2) guards against that search
/// for human-chosen passwords and here would only make every machine's check cost milliseconds. A leaked table
/// yields no secret, and the stored hash is compared in fixed time after the lookup.
/// </para>
/// <para>
/// Checks read an in-memory snapshot (hash, then one dictionary lookup, no allocation), replaced whenever the tokens
/// change: at once on the replica that made the change, and on every other replica sharing a PostgreSQL database
/// when the change's notification arrives (<c>LISTEN keelson_tokens</c>), or when the listening connection comes
/// back after a loss, or within <see cref="RefreshInterval"/> should a notification be lost otherwise. "Last used"
/// is kept in memory and written with the same beat, never on the check's path.
/// </para>
/// </remarks>
public sealed partial class TokenStore : IHostedService, IAsyncDisposable
{
    /// <summary>The built-in admin token's name; no named token may take it.</summary>
    public const string BuiltInName = "admin";

    /// <summary>The notification channel that carries token changes between replicas.</summary>
    public const string ChangeChannel = "keelson_tokens";

    /// <summary>How often the tokens are read again and last uses written, whatever notifications say.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    // Longer than any secret this server makes or accepts as its admin token; a longer one is refused unhashed.
    private const int MaxSecretLength = 512;

    private readonly Database _database;
    private readonly TimeProvider _time;
    private readonly ILogger<TokenStore> _logger;
    private readonly Entry _builtIn;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Snapshot? _snapshot;
    private PostgresListener? _listener;
    private Task? _loop;

    public TokenStore(Database database, TimeProvider time, string adminToken, ILogger<TokenStore> logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(adminToken);
        _database = database;
        _time = time;
        _logger = logger;
        _builtIn = new Entry(new Caller(BuiltInName, Role.Admin), Hash(adminToken), null);
    }

    /// <summary>
    /// The caller <paramref name="secret"/> belongs to, or null for no, an unknown or a revoked token. Cheap enough for
    /// every machine's check: one SHA-256 and one dictionary lookup in memory.
    /// </summary>
    public ValueTask<Caller?> AuthenticateAsync(string? secret, CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        return snapshot is null ? FirstAuthenticateAsync(secret, cancellationToken) : ValueTask.FromResult(Find(snapshot, secret));
    }

    /// <summary>The SHA-256 of <paramref name="secret"/> as lowercase hex, as the table keeps it.</summary>
    public static string Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>The stored hash of the token named <paramref name="name"/>, or null when there is none (any more).</summary>
    public string? CurrentHash(string name) =>
        Volatile.Read(ref _snapshot) is { } snapshot && snapshot.ByName.TryGetValue(name, out var entry) ? entry.HashHex : null;

    /// <summary>Every token, the built-in admin first, then by name; never a secret.</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await _database.ReadAsync(
            connection => connection.QueryAsync<TokenRow>("SELECT * FROM api_tokens ORDER BY name"), cancellationToken);
        var snapshot = await SnapshotAsync(cancellationToken);
        var list = new List<TokenInfo> { new(BuiltInName, Roles.Name(Role.Admin), true, null, null, Time(_builtIn.LastUsed)) };
        foreach (var row in rows)
        {
            // This replica's uses not yet written count too.
            var used = Math.Max(row.LastUsedAt ?? 0, snapshot.ByName.TryGetValue(row.Name, out var entry) ? entry.LastUsed : 0);
            list.Add(new TokenInfo(row.Name, row.Role, false, CatalogService.FromMs(row.CreatedAt), row.CreatedBy, Time(used)));
        }

        return list;
    }

    /// <summary>Creates a token; its secret is in the answer and nowhere else.</summary>
    public async Task<Outcome<CreatedToken>> CreateAsync(string? name, string? role, CancellationToken cancellationToken)
    {
        if (Names.CheckName("name", name) is { } invalid)
        {
            return invalid;
        }

        if (!Roles.TryParse(role, out var parsed))
        {
            return CatalogError.Invalid("role",
                $"role '{Names.Shorten(role ?? "")}' is not one of {string.Join(", ", Roles.All.Select(Roles.Name))}");
        }

        if (string.Equals(name, BuiltInName, StringComparison.OrdinalIgnoreCase))
        {
            return CatalogError.Conflict($"the name {BuiltInName} is the built-in admin token's; choose another", "name");
        }

        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = _time.GetUtcNow();
        var createdBy = AuditScope.Current?.Caller.Name ?? BuiltInName;
        var outcome = await _database.WriteAsync<Outcome<CreatedToken>>(
            async (connection, transaction) =>
            {
                var taken = await connection.ExecuteScalarAsync<long>(
                    "SELECT COUNT(*) FROM api_tokens WHERE lower(name) = lower(@name)", new { name }, transaction);
                if (taken > 0)
                {
                    return CatalogError.Conflict($"a token named {name} exists; revoke it first to make a new one", "name");
                }

                await connection.ExecuteAsync(
                    """
                    INSERT INTO api_tokens (name, role, secret_sha256, created_at, created_by, last_used_at)
                    VALUES (@name, @role, @hash, @createdAt, @createdBy, NULL)
                    """,
                    new { name, role = Roles.Name(parsed), hash = Hash(secret), createdAt = now.ToUnixTimeMilliseconds(), createdBy },
                    transaction);
                await CatalogService.LogAsync(connection, transaction, "", ActivityKind.TokenCreated,
                    $"token {name} created with the role {Roles.Name(parsed)}", now);
                await NotifyAsync(connection, transaction);
                return new CreatedToken(name!, Roles.Name(parsed), secret, now);
            },
            cancellationToken);
        if (outcome.IsOk)
        {
            await ReloadAsync(cancellationToken);
            LogCreated(name!, Roles.Name(parsed), createdBy);
        }

        return outcome;
    }

    /// <summary>
    /// Revokes the token named <paramref name="name"/> on every replica. The built-in admin token cannot be revoked,
    /// and <paramref name="by"/> cannot revoke the token it presented.
    /// </summary>
    public async Task<Outcome<DeletedInfo>> RevokeAsync(string name, Caller by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(by);
        if (string.Equals(name, BuiltInName, StringComparison.OrdinalIgnoreCase))
        {
            return CatalogError.Conflict(
                "the built-in admin token cannot be revoked; to replace it, restart the server with another one "
                + "(a new DATA/admin-token, --admin-token-file or $KEELSON_ADMIN_TOKEN)", "name");
        }

        if (string.Equals(name, by.Name, StringComparison.Ordinal))
        {
            return CatalogError.Conflict($"token {name} is the one this request came with; revoke it with another admin token", "name");
        }

        var now = _time.GetUtcNow();
        var outcome = await _database.WriteAsync<Outcome<DeletedInfo>>(
            async (connection, transaction) =>
            {
                var role = await connection.ExecuteScalarAsync<string?>(
                    "SELECT role FROM api_tokens WHERE name = @name", new { name }, transaction);
                if (role is null)
                {
                    return CatalogError.NotFound($"no token named {Names.Shorten(name)}");
                }

                await connection.ExecuteAsync("DELETE FROM api_tokens WHERE name = @name", new { name }, transaction);
                var message = $"token {name} ({role}) revoked";
                await CatalogService.LogAsync(connection, transaction, "", ActivityKind.TokenRevoked, message, now);
                await NotifyAsync(connection, transaction);
                return new DeletedInfo("token", name, 0, message);
            },
            cancellationToken);
        if (outcome.IsOk)
        {
            await ReloadAsync(cancellationToken);
            LogRevoked(name, by.Name);
        }

        return outcome;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        if (_database.PostgresSettings is { } settings)
        {
            try
            {
                _listener = await PostgresListener.StartAsync(
                    settings,
                    ChangeChannel,
                    new PostgresListenerEvents(
                        payload => _ = ReloadQuietlyAsync(),
                        restored =>
                        {
                            // Changes announced while the connection was down were not heard.
                            _ = ReloadQuietlyAsync();
                            if (restored)
                            {
                                LogListenerRestored(_database.Description);
                            }
                        },
                        (e, reason, delay) => LogListenerLost(e, reason, delay)),
                    cancellationToken);
            }
            catch (PostgresUnavailableException e)
            {
                throw new DatabaseException(e.Message, isTransient: true, e);
            }
        }

        _loop = RefreshLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop;
        }

        await RecordUsesQuietlyAsync(cancellationToken);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _listener, null) is { } listener)
        {
            await listener.DisposeAsync();
        }
    }

    private Caller? Find(Snapshot snapshot, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > MaxSecretLength)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[MaxSecretLength * 3];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        if (!snapshot.ByHash.TryGetValue(hex, out var entry) || !CryptographicOperations.FixedTimeEquals(entry.HashBytes, hash))
        {
            return null;
        }

        entry.Used(_time.GetUtcNow().ToUnixTimeMilliseconds());
        return entry.Caller;
    }

    private async ValueTask<Caller?> FirstAuthenticateAsync(string? secret, CancellationToken cancellationToken) =>
        Find(await SnapshotAsync(cancellationToken), secret);

    private async ValueTask<Snapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _snapshot) is { } snapshot)
        {
            return snapshot;
        }

        await ReloadAsync(cancellationToken);
        return Volatile.Read(ref _snapshot)!;
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            var rows = await _database.ReadAsync(
                connection => connection.QueryAsync<TokenRow>("SELECT * FROM api_tokens"), cancellationToken);
            var previous = Volatile.Read(ref _snapshot);
            var entries = new List<Entry> { _builtIn };
            foreach (var row in rows)
            {
                // A row the roles table does not know (written by a newer build) grants nothing; nor does one whose
                // hash is the built-in token's.
                if (!Roles.TryParse(row.Role, out var role) || row.SecretSha256 == _builtIn.HashHex)
                {
                    continue;
                }

                var entry = new Entry(new Caller(row.Name, role), row.SecretSha256, row.LastUsedAt);
                // Uses this replica has not written yet carry over.
                if (previous is not null && previous.ByName.TryGetValue(row.Name, out var old) && old.HashHex == entry.HashHex)
                {
                    entry.CarryOver(old);
                }

                entries.Add(entry);
            }

            Volatile.Write(ref _snapshot, new Snapshot(entries));
        }
        finally
        {
            _reloading.Release();
        }
    }

    private async Task ReloadQuietlyAsync()
    {
        try
        {
            await ReloadAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DatabaseException or System.Data.Common.DbException or TimeoutException or IOException)
        {
            LogNotRefreshed(e);
        }
    }

    private async Task RefreshLoopAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RefreshInterval, _time, stopping);
                await RecordUsesQuietlyAsync(stopping);
                if (_database.PostgresSettings is not null)
                {
                    await ReloadQuietlyAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RecordUsesQuietlyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _snapshot) is not { } snapshot)
        {
            return;
        }

        var uses = snapshot.ByName.Values.Where(e => e != _builtIn && e.LastUsed > e.Written).Select(e => (Entry: e, At: e.LastUsed)).ToList();
        if (uses.Count == 0)
        {
            return;
        }

        try
        {
            await _database.WriteAsync(
                async (connection, transaction) =>
                {
                    foreach (var (entry, at) in uses)
                    {
                        await connection.ExecuteAsync(
                            "UPDATE api_tokens SET last_used_at = @at WHERE name = @name AND (last_used_at IS NULL OR last_used_at < @at)",
                            new { at, name = entry.Caller.Name }, transaction);
                    }

                    return uses.Count;
                },
                cancellationToken);
            foreach (var (entry, at) in uses)
            {
                entry.Wrote(at);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DatabaseException or System.Data.Common.DbException or TimeoutException or IOException)
        {
            LogUseNotRecorded(e);
        }
    }

    private Task NotifyAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) =>
        _database.Dialect.Notify.Length == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(_database.Dialect.Notify, new { channel = ChangeChannel, payload = "" }, transaction);

    private static DateTimeOffset? Time(long ms) => ms > 0 ? CatalogService.FromMs(ms) : null;

    [LoggerMessage(EventId = ServerEventIds.TokenCreated, Level = LogLevel.Information, Message = "Token {Name} created with the role {Role} by {By}")]
    private partial void LogCreated(string name, string role, string by);

    [LoggerMessage(EventId = ServerEventIds.TokenRevoked, Level = LogLevel.Information, Message = "Token {Name} revoked by {By}")]
    private partial void LogRevoked(string name, string by);

    [LoggerMessage(EventId = ServerEventIds.TokenListenerLost, Level = LogLevel.Warning,
        Message = "Lost the connection that hears other replicas' token changes ({Reason}); reconnecting in {Delay}; meanwhile they reach this replica within 5 seconds")]
    private partial void LogListenerLost(Exception exception, string reason, TimeSpan delay);

    [LoggerMessage(EventId = ServerEventIds.TokenListenerRestored, Level = LogLevel.Information,
        Message = "Hearing other replicas' token changes again through {Database}")]
    private partial void LogListenerRestored(string database);

    [LoggerMessage(EventId = ServerEventIds.TokensNotRefreshed, Level = LogLevel.Warning,
        Message = "Could not read the tokens again; the last ones read still apply")]
    private partial void LogNotRefreshed(Exception exception);

    [LoggerMessage(EventId = ServerEventIds.TokenUseNotRecorded, Level = LogLevel.Warning,
        Message = "Could not record when tokens were last used; trying again in 5 seconds")]
    private partial void LogUseNotRecorded(Exception exception);

    /// <summary>A row of <c>api_tokens</c>.</summary>
    private sealed class TokenRow
    {
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public string SecretSha256 { get; set; } = "";
        public long CreatedAt { get; set; }
        public string CreatedBy { get; set; } = "";
        public long? LastUsedAt { get; set; }
    }

    /// <summary>A token as checks see it, with its last use on this replica.</summary>
    private sealed class Entry(Caller caller, string hashHex, long? lastUsedAt)
    {
        private long _lastUsed = lastUsedAt ?? 0;
        private long _written = lastUsedAt ?? 0;

        public Caller Caller { get; } = caller;
        public string HashHex { get; } = hashHex;
        public byte[] HashBytes { get; } = Convert.FromHexString(hashHex);
        public long LastUsed => Volatile.Read(ref _lastUsed);
        public long Written => Volatile.Read(ref _written);

        // A race between two checks may keep the older of two times a few milliseconds apart: good enough for "last used".
        public void Used(long at)
        {
            if (at > Volatile.Read(ref _lastUsed))
            {
                Volatile.Write(ref _lastUsed, at);
            }
        }

        public void Wrote(long at)
        {
            if (at > Volatile.Read(ref _written))
            {
                Volatile.Write(ref _written, at);
            }
        }

        public void CarryOver(Entry old) => Used(old.LastUsed);
    }

    /// <summary>The tokens at one moment, by hash for checks and by name for sessions and last uses.</summary>
    private sealed class Snapshot
    {
        public Snapshot(IEnumerable<Entry> entries)
        {
            var list = entries.ToList();
            ByHash = list.ToFrozenDictionary(e => e.HashHex, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
            ByName = list.ToFrozenDictionary(e => e.Caller.Name, StringComparer.Ordinal);
        }

        public FrozenDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> ByHash { get; }
        public FrozenDictionary<string, Entry> ByName { get; }
    }
}
