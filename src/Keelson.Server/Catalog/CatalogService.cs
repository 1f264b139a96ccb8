using System.Data.Common;
using Dapper;
using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Payloads;
using Keelson.Server.Storage;
using Keelson.Server.Updates;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Catalog;

/// <summary>Applications, packages and channels: publishing a version and pointing channels at it.</summary>
public sealed partial class CatalogService(
    Database database, PayloadStore payloads, PayloadUrls urls, GroupCache groups, TimeProvider time, ILogger<CatalogService> logger)
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

    private async Task<Outcome<PackageInfo>> InsertPackageAsync(PackageRow package, Action commitFile, CancellationToken cancellationToken)
    {
        var outcome = await database.WriteAsync<Outcome<PackageInfo>>(
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
        if (outcome.IsOk)
        {
            LogPublished(package.Version, package.AppId, package.FileName, package.Size, package.ExternalUrl ?? "this server");
        }

        return outcome;
    }

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

        return Reported(await database.WriteAsync<Outcome<ChannelMove>>(
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
            cancellationToken));
    }

    /// <summary>Points channel <paramref name="to"/> at the very package channel <c>From</c> has: same bytes, same hashes.</summary>
    public async Task<Outcome<ChannelInfo>> PromoteAsync(string appId, string to, PromoteRequest request, CancellationToken cancellationToken)
    {
        if (Names.CheckName("from", request.From) is { } invalid)
        {
            return invalid;
        }

        return Reported(await database.WriteAsync<Outcome<ChannelMove>>(
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
            cancellationToken));
    }

    /// <summary>Logs a committed channel move; a channel already at the package moved nowhere.</summary>
    private Outcome<ChannelInfo> Reported(Outcome<ChannelMove> move)
    {
        if (move.Value is { Change: { } change } moved)
        {
            LogChannelMoved(moved.Info.Name, moved.Info.Version!, change);
        }

        return move.IsOk ? move.Value!.Info : move.Error!;
    }

    private async Task<Outcome<ChannelMove>> PointChannelAsync(
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
            return new ChannelMove(new ChannelInfo(channel.Name, package.Version, package.Id, FromMs(channel.UpdatedAt)), null);
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
        await groups.InvalidateAsync(connection, transaction);
        var change = current is null ? how : $"{how} (was {current.Version})";
        await LogAsync(connection, transaction, appId, ActivityKind.ChannelPackageUpdated,
            $"channel {channel.Name} {change}", now, channel: channel.Name, version: package.Version);
        return new ChannelMove(new ChannelInfo(channel.Name, package.Version, package.Id, now), change);
    }

    /// <summary>
    /// Deletes a published version and, when this server hosts it, its payload file. Refused while a channel points
    /// at it (machines would be offered it) or while machines are downloading it.
    /// </summary>
    public async Task<Outcome<DeletedInfo>> DeletePackageAsync(string appId, string version, CancellationToken cancellationToken)
    {
        if (Names.CheckVersion("version", version) is { } invalid)
        {
            return invalid;
        }

        var now = time.GetUtcNow();
        PackageRow? deleted = null;
        var outcome = await database.WriteAsync<Outcome<DeletedInfo>>(
            async (connection, transaction) =>
            {
                var package = await connection.QuerySingleOrDefaultAsync<PackageRow>(
                    "SELECT * FROM packages WHERE app_id = @appId AND version = @version", new { appId, version }, transaction);
                if (package is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no package with version {version}; 'keelson package list' shows the published ones")
                        : UnknownApplication(appId);
                }

                var channels = (await connection.QueryAsync<string>(
                    "SELECT name FROM channels WHERE package_id = @Id ORDER BY name", package, transaction)).ToList();
                if (channels.Count > 0)
                {
                    return CatalogError.Conflict(
                        $"package {version} is what {Plural(channels.Count, "channel")} {string.Join(", ", channels)} "
                        + $"{(channels.Count == 1 ? "points" : "point")} at; point {(channels.Count == 1 ? "it" : "them")} at another version first "
                        + "(keelson channel set CHANNEL --version V)");
                }

                // A grant older than its group's update timeout no longer counts as in progress (the rollout gate's rule).
                var downloading = await connection.ExecuteScalarAsync<long>(
                    $"""
                    SELECT COUNT(*) FROM instances i JOIN update_groups g ON g.id = i.group_id
                    WHERE i.app_id = @appId AND i.update_version = @version AND {database.Dialect.In("i.status", "@downloading")}
                      AND i.update_granted_at > @nowMs - g.update_timeout_seconds * 1000
                    """,
                    new { appId, version, downloading = new[] { InstanceStatus.UpdateGranted, InstanceStatus.Downloading }, nowMs = now.ToUnixTimeMilliseconds() },
                    transaction);
                if (downloading > 0)
                {
                    return CatalogError.Conflict(
                        $"{Plural(downloading, "machine")} {(downloading == 1 ? "is" : "are")} downloading package {version} now; "
                        + "delete it once they are done ('keelson instance list --version' and --status show them)");
                }

                await connection.ExecuteAsync(
                    "UPDATE update_groups SET rollout_package_id = NULL WHERE rollout_package_id = @Id", package, transaction);
                await connection.ExecuteAsync("DELETE FROM packages WHERE id = @Id", package, transaction);
                await groups.InvalidateAsync(connection, transaction);
                var what = package.ExternalUrl is null ? $"its payload file ({package.Size} bytes) removed" : $"its payload at {package.ExternalUrl} is not touched";
                var message = $"package {version} deleted; {what}";
                await LogAsync(connection, transaction, appId, ActivityKind.PackageDeleted, message, now, version: version);
                deleted = package;
                return new DeletedInfo("package", version, 0, message);
            },
            cancellationToken);

        if (deleted is not null)
        {
            // The row is gone before the file: a crash in between leaves an unused file, never a package without one.
            if (deleted.ExternalUrl is null)
            {
                payloads.Delete(deleted.Id);
            }

            LogDeleted("package", version, outcome.Value!.Message);
        }

        return outcome;
    }

    /// <summary>Deletes a channel that no group follows; the package it points at stays published.</summary>
    public async Task<Outcome<DeletedInfo>> DeleteChannelAsync(string appId, string name, CancellationToken cancellationToken)
    {
        if (Names.CheckName("channel", name) is { } invalid)
        {
            return invalid;
        }

        var outcome = await database.WriteAsync<Outcome<DeletedInfo>>(
            async (connection, transaction) =>
            {
                var channel = await FindChannelAsync(connection, transaction, appId, name);
                if (channel is null)
                {
                    return await ApplicationTable.ExistsAsync(connection, transaction, appId)
                        ? CatalogError.NotFound($"no channel named {name}; 'keelson channel list' shows them")
                        : UnknownApplication(appId);
                }

                var followers = (await connection.QueryAsync<string>(
                    "SELECT name FROM update_groups WHERE channel_id = @Id ORDER BY name", channel, transaction)).ToList();
                if (followers.Count > 0)
                {
                    var them = string.Join(", ", followers);
                    return CatalogError.Conflict(
                        $"channel {name} is followed by {Plural(followers.Count, "group")} {them}; change or delete "
                        + $"{(followers.Count == 1 ? $"group {them}" : "those groups")} first "
                        + "(keelson group update GROUP --channel OTHER, or keelson group delete GROUP)");
                }

                await connection.ExecuteAsync("DELETE FROM channels WHERE id = @Id", channel, transaction);
                await groups.InvalidateAsync(connection, transaction);
                var version = channel.PackageId is null
                    ? null
                    : await connection.ExecuteScalarAsync<string>("SELECT version FROM packages WHERE id = @PackageId", channel, transaction);
                var message = version is null ? $"channel {name} deleted" : $"channel {name} deleted; package {version} stays published";
                await LogAsync(connection, transaction, appId, ActivityKind.ChannelDeleted, message, time.GetUtcNow(), channel: name, version: version);
                return new DeletedInfo("channel", name, 0, message);
            },
            cancellationToken);
        if (outcome.IsOk)
        {
            LogDeleted("channel", name, outcome.Value!.Message);
        }

        return outcome;
    }

    internal static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

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
            Actor = Security.AuditScope.Current?.Caller.Name,
            ActorAddress = Security.AuditScope.Current?.Address,
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

    /// <summary>A channel as it is after a set or promote, and the change in words when it moved.</summary>
    private sealed record ChannelMove(ChannelInfo Info, string? Change);

    private static bool IsBase64Hash(string? text, int bytes)
    {
        Span<byte> buffer = stackalloc byte[64];
        return text is not null && Convert.TryFromBase64String(text, buffer, out var written) && written == bytes;
    }
}
