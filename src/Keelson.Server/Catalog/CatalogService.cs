using System.Data.Common;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Payloads;
using Keelson.Server.Storage;
using Keelson.Server.Updates;

namespace Keelson.Server.Catalog;

/// <summary>Applications, packages and channels: publishing a version and pointing channels at it.</summary>
public sealed class CatalogService(Database database, PayloadStore payloads, PayloadUrls urls, GroupCache groups, TimeProvider time)
{
    public Task<IReadOnlyList<ApplicationInfo>> ListApplicationsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ApplicationInfo>>(
            async connection => (await connection.QueryAsync<(string Id, string Name, string Description, long CreatedAt)>(
                    "SELECT id, name, description, created_at FROM applications ORDER BY created_at, id"))
                .Select(a => new ApplicationInfo(a.Id, a.Name, a.Description, FromMs(a.CreatedAt)))
                .ToList(),
            cancellationToken);

    public async Task<Outcome<ApplicationInfo>> CreateApplicationAsync(CreateApplicationRequest request, CancellationToken cancellationToken)
    {
        var id = request.Id is null ? Guid.NewGuid().ToString() : OmahaAppId.Normalize(request.Id);
        if (!Guid.TryParse(id, out _))
        {
            return CatalogError.Invalid("id", $"id '{Names.Shorten(request.Id!)}' is not a UUID");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            return CatalogError.Invalid("name", "name is required (at most 100 characters)");
        }

        var now = time.GetUtcNow();
        return await database.WriteAsync<Outcome<ApplicationInfo>>(
            async (connection, transaction) =>
            {
                if (await ApplicationTable.ExistsAsync(connection, transaction, id))
                {
                    return CatalogError.Conflict($"application {id} already exists", "id");
                }

                var app = new ApplicationInfo(id, request.Name, request.Description ?? "", now);
                await connection.ExecuteAsync(
                    "INSERT INTO applications (id, name, description, created_at) VALUES (@id, @name, @description, @at)",
                    new { id, name = app.Name, description = app.Description, at = now.ToUnixTimeMilliseconds() },
                    transaction);
                await LogAsync(connection, transaction, id, ActivityKind.ApplicationCreated, $"application {app.Name} ({id}) created", now);
                return app;
            },
            cancellationToken);
    }

    public async Task<Outcome<IReadOnlyList<PackageInfo>>> ListPackagesAsync(string appId, CancellationToken cancellationToken) =>
        await database.ReadAsync<Outcome<IReadOnlyList<PackageInfo>>>(
            async connection =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, null, appId))
                {
                    return UnknownApplication(appId);
                }

                var rows = await connection.QueryAsync<PackageRow>("SELECT * FROM packages WHERE app_id = @appId", new { appId });
                return rows.OrderByDescending(p => OmahaVersion.Parse(p.Version)).Select(ToInfo).ToList();
            },
            cancellationToken);

    /// <summary>Publishes a payload streamed from <paramref name="content"/>; size and hashes are computed as it arrives.</summary>
    public async Task<Outcome<PackageInfo>> PublishAsync(
        string appId, string? version, string? fileName, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        if ((Names.CheckVersion("version", version) ?? Names.CheckFileName("name", fileName)) is { } invalid)
        {
            return invalid;
        }

        // Refuse early what would be refused after a long upload.
        var known = await database.ReadAsync(connection => CheckNewPackageAsync(connection, null, appId, version!), cancellationToken);
        if (known is not null)
        {
            return known;
        }

        using var incoming = await payloads.ReceiveAsync(content, maxBytes, cancellationToken);
        if (incoming.Size == 0)
        {
            return CatalogError.Invalid("body", "the payload is empty");
        }

        var package = NewPackage(appId, version!, fileName!, null, incoming.Size, incoming.Sha1, incoming.Sha256);
        return await InsertPackageAsync(package, () => incoming.Commit(package.Id), cancellationToken);
    }

    /// <summary>Registers a payload that machines download from elsewhere.</summary>
    public async Task<Outcome<PackageInfo>> RegisterExternalAsync(string appId, ExternalPackageRequest request, CancellationToken cancellationToken)
    {
        if (Names.CheckVersion("version", request.Version) is { } invalid)
        {
            return invalid;
        }

        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            || url.AbsolutePath.EndsWith('/') || request.Url!.Length > 2048)
        {
            return CatalogError.Invalid("url", $"url '{Names.Shorten(request.Url ?? "")}' must be an absolute http(s) URL of a file");
        }

        if (request.Size <= 0)
        {
            return CatalogError.Invalid("size", "size must be greater than 0");
        }

        if (!IsBase64Hash(request.Sha1, 20))
        {
            return CatalogError.Invalid("sha1", "sha1 must be the base64 of a 20-byte SHA-1");
        }

        if (!IsBase64Hash(request.Sha256, 32))
        {
            return CatalogError.Invalid("sha256", "sha256 must be the base64 of a 32-byte SHA-256");
        }

        var name = url.Segments[^1];
        var package = NewPackage(appId, request.Version!, name, url.AbsoluteUri, request.Size, request.Sha1!, request.Sha256!);
        return await InsertPackageAsync(package, () => { }, cancellationToken);
    }

    private Task<Outcome<PackageInfo>> InsertPackageAsync(PackageRow package, Action commitFile, CancellationToken cancellationToken) =>
        database.WriteAsync<Outcome<PackageInfo>>(
            async (connection, transaction) =>
            {
                if (await CheckNewPackageAsync(connection, transaction, package.AppId, package.Version) is { } refused)
                {
                    return refused;
                }

                await connection.ExecuteAsync(
                    """
                    INSERT INTO packages (id, app_id, version, file_name, external_url, size, sha1, sha256, created_at)
                    VALUES (@Id, @AppId, @Version, @FileName, @ExternalUrl, @Size, @Sha1, @Sha256, @CreatedAt)
                    """,
                    package,
                    transaction);
                await LogAsync(connection, transaction, package.AppId, ActivityKind.PackagePublished,
                    $"package {package.Version} published ({package.FileName}, {package.Size} bytes)", time.GetUtcNow(), version: package.Version);
                // The file moves into place before the row commits: a crash in between leaves an unused file, never a package without one.
                commitFile();
                return ToInfo(package);
            },
            cancellationToken);

    private static async Task<CatalogError?> CheckNewPackageAsync(DbConnection connection, DbTransaction? transaction, string appId, string version)
    {
        if (!await ApplicationTable.ExistsAsync(connection, transaction, appId))
        {
            return UnknownApplication(appId);
        }

        var existing = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM packages WHERE app_id = @appId AND version = @version", new { appId, version }, transaction);
        return existing > 0 ? CatalogError.Conflict($"version {version} is already published; a version is published once", "version") : null;
    }

    public Task<Outcome<IReadOnlyList<ChannelInfo>>> ListChannelsAsync(string appId, CancellationToken cancellationToken) =>
        database.ReadAsync<Outcome<IReadOnlyList<ChannelInfo>>>(
            async connection =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, null, appId))
                {
                    return UnknownApplication(appId);
                }

                var rows = await connection.QueryAsync<(string Name, string? Version, string? PackageId, long UpdatedAt)>(
                    """
                    SELECT c.name, p.version, c.package_id, c.updated_at
                    FROM channels c LEFT JOIN packages p ON p.id = c.package_id
                    WHERE c.app_id = @appId ORDER BY c.name
                    """,
                    new { appId });
                return rows.Select(r => new ChannelInfo(r.Name, r.Version, r.PackageId, FromMs(r.UpdatedAt))).ToList();
            },
            cancellationToken);

    public async Task<Outcome<ChannelInfo>> CreateChannelAsync(string appId, CreateChannelRequest request, CancellationToken cancellationToken)
    {
        if (Names.CheckName("name", request.Name) is { } invalid)
        {
            return invalid;
        }

        var now = time.GetUtcNow();
        return await database.WriteAsync<Outcome<ChannelInfo>>(
            async (connection, transaction) =>
            {
                if (!await ApplicationTable.ExistsAsync(connection, transaction, appId))
                {
                    return UnknownApplication(appId);
                }

                if (await FindChannelAsync(connection, transaction, appId, request.Name!) is not null)
                {
                    return CatalogError.Conflict($"channel {request.Name} already exists", "name");
                }

                await connection.ExecuteAsync(
                    "INSERT INTO channels (id, app_id, name, package_id, updated_at) VALUES (@id, @appId, @name, NULL, @now)",
                    new { id = Guid.NewGuid().ToString(), appId, name = request.Name, now = now.ToUnixTimeMilliseconds() },
                    transaction);
                await LogAsync(connection, transaction, appId, ActivityKind.ChannelCreated, $"channel {request.Name} created", now, channel: request.Name);
                return new ChannelInfo(request.Name!, null, null, now);
            },
            cancellationToken);
    }

    /// <summary>Points <paramref name="channelName"/> at the package of a published version.</summary>
    public async Task<Outcome<ChannelInfo>> SetChannelAsync(string appId, string channelName, SetChannelRequest request, CancellationToken cancellationToken)
    {
        if (Names.CheckVersion("version", request.Version) is { } invalid)
        {
            return invalid;
        }

        return await database.WriteAsync<Outcome<ChannelInfo>>(
            async (connection, transaction) =>
            {
                var package = await connection.QuerySingleOrDefaultAsync<PackageRow>(
                    "SELECT * FROM packages WHERE app_id = @appId AND version = @version", new { appId, version = request.Version }, transaction);
                if (package is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no package with version {request.Version}; publish it first")
                        : UnknownApplication(appId);
                }

                return await PointChannelAsync(connection, transaction, appId, channelName, package, request.Force, $"set to {package.Version}");
            },
            cancellationToken);
    }

    /// <summary>Points channel <paramref name="to"/> at the very package channel <c>From</c> has: same bytes, same hashes.</summary>
    public async Task<Outcome<ChannelInfo>> PromoteAsync(string appId, string to, PromoteRequest request, CancellationToken cancellationToken)
    {
        if (Names.CheckName("from", request.From) is { } invalid)
        {
            return invalid;
        }

        return await database.WriteAsync<Outcome<ChannelInfo>>(
            async (connection, transaction) =>
            {
                var from = await FindChannelAsync(connection, transaction, appId, request.From!);
                if (from is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no channel named {request.From}")
                        : UnknownApplication(appId);
                }

                if (from.PackageId is null)
                {
                    return CatalogError.Conflict($"channel {from.Name} has no package to promote", "from");
                }

                var package = await connection.QuerySingleAsync<PackageRow>("SELECT * FROM packages WHERE id = @PackageId", from, transaction);
                return await PointChannelAsync(connection, transaction, appId, to, package, request.Force, $"promoted from {from.Name}");
            },
            cancellationToken);
    }

    private async Task<Outcome<ChannelInfo>> PointChannelAsync(
        DbConnection connection, DbTransaction transaction, string appId, string channelName, PackageRow package, bool force, string how)
    {
        var channel = await FindChannelAsync(connection, transaction, appId, channelName);
        if (channel is null)
        {
            return CatalogError.NotFound($"no channel named {channelName}");
        }

        var now = time.GetUtcNow();
        if (channel.PackageId == package.Id)
        {
            return new ChannelInfo(channel.Name, package.Version, package.Id, FromMs(channel.UpdatedAt));
        }

        var current = channel.PackageId is null
            ? null
            : await connection.QuerySingleAsync<PackageRow>("SELECT * FROM packages WHERE id = @PackageId", channel, transaction);
        if (current is not null && OmahaVersion.Parse(package.Version) < OmahaVersion.Parse(current.Version) && !force)
        {
            return CatalogError.Conflict(
                $"channel {channel.Name} is at {current.Version}; moving it to the older {package.Version} needs force", "force");
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        await connection.ExecuteAsync(
            "UPDATE channels SET package_id = @packageId, updated_at = @nowMs WHERE id = @id",
            new { packageId = package.Id, nowMs, id = channel.Id },
            transaction);
        // Every group on the channel starts a new rollout: its ramp begins now.
        await connection.ExecuteAsync(
            "UPDATE update_groups SET rollout_package_id = @packageId, rollout_started_at = @nowMs WHERE channel_id = @id",
            new { packageId = package.Id, nowMs, id = channel.Id },
            transaction);
        groups.Invalidate();
        var was = current is null ? "" : $" (was {current.Version})";
        await LogAsync(connection, transaction, appId, ActivityKind.ChannelPackageUpdated,
            $"channel {channel.Name} {how}{was}", now, channel: channel.Name, version: package.Version);
        return new ChannelInfo(channel.Name, package.Version, package.Id, now);
    }

    internal static Task<ChannelRow?> FindChannelAsync(DbConnection connection, DbTransaction? transaction, string appId, string name) =>
        connection.QuerySingleOrDefaultAsync<ChannelRow>(
            "SELECT * FROM channels WHERE app_id = @appId AND name = @name", new { appId, name }, transaction);

    internal static CatalogError UnknownApplication(string appId) => CatalogError.NotFound($"no application {appId}");

    internal static Task LogAsync(
        DbConnection connection, DbTransaction transaction, string appId, string kind, string message, DateTimeOffset at,
        string? group = null, string? channel = null, string? version = null, string severity = ActivitySeverity.Info) =>
        ActivityLog.AppendAsync(connection, transaction, new ActivityRow
        {
            AppId = appId,
            Kind = kind,
            Severity = severity,
            GroupName = group,
            ChannelName = channel,
            Version = version,
            Message = message,
            CreatedAt = at.ToUnixTimeMilliseconds(),
        });

    internal static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private PackageRow NewPackage(string appId, string version, string fileName, string? externalUrl, long size, string sha1, string sha256) => new()
    {
        Id = Guid.NewGuid().ToString(),
        AppId = appId,
        Version = version,
        FileName = fileName,
        ExternalUrl = externalUrl,
        Size = size,
        Sha1 = sha1,
        Sha256 = sha256,
        CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
    };

    private PackageInfo ToInfo(PackageRow p) =>
        new(p.Id, p.AppId, p.Version, p.FileName, urls.DownloadUrl(p), p.ExternalUrl is null, p.Size, p.Sha1, p.Sha256, FromMs(p.CreatedAt));

    private static bool IsBase64Hash(string? text, int bytes)
    {
        Span<byte> buffer = stackalloc byte[64];
        return text is not null && Convert.TryFromBase64String(text, buffer, out var written) && written == bytes;
    }
}
