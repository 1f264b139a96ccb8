using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Keelson.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keelson.Server.Api;

/// <summary>
/// The admin API under <c>/api</c>: JSON, bearer token required. Reads need a viewer; rollout actions (marked
/// <see cref="Permission.Operate"/>) an operator; the rest an admin (<see cref="ApiAuthorization"/>).
/// </summary>
internal static class AdminApi
{
    /// <summary>The OpenAPI security scheme of the bearer token (a viewer's, operator's or admin's) every <c>/api</c> route requires.</summary>
    public const string SecuritySchemeName = "adminToken";

    private static readonly IComparer<string> s_newestFirst = Comparer<string>.Create((x, y) => VersionOrder.Instance.Compare(y, x));

    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireToken();

        api.MapGet("/apps", (HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                ListAsync(request, async () => Ok(await catalog.ListApplicationsAsync(ct)), a => a.Id, StringComparer.Ordinal))
            .Produces<Page<ApplicationInfo>>()
            .WithDescription("The applications by id. " + PageRequest.Description);
        api.MapPost("/apps", (HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                WithBodyAsync<CreateApplicationRequest>(request, async body => ApiResults.From(
                    await catalog.CreateApplicationAsync(body, ct), StatusCodes.Status201Created), ct))
            .Accepts<CreateApplicationRequest>("application/json").Produces<ApplicationInfo>(StatusCodes.Status201Created);

        var app = api.MapGroup("/apps/{appId}");
        app.MapGet("/packages", (string appId, HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                ListAsync(request, () => catalog.ListPackagesAsync(AppId(appId), ct), p => p.Version, s_newestFirst))
            .Produces<Page<PackageInfo>>()
            .WithDescription("The packages, newest version first; a cursor is a version. " + PageRequest.Description);
        app.MapPost("/packages", PublishAsync)
            .Needs(Permission.Operate)
            .Accepts<ExternalPackageRequest>("application/json", "application/octet-stream")
            .Produces<PackageInfo>(StatusCodes.Status201Created)
            .WithDescription("application/octet-stream: the payload itself, with ?version=V&name=FILE; application/json: a payload hosted elsewhere.");
        app.MapDelete("/packages/{version}", async (string appId, string version, CatalogService catalog, CancellationToken ct) =>
                ApiResults.From(await catalog.DeletePackageAsync(AppId(appId), version, ct)))
            .Produces<DeletedInfo>()
            .WithDescription("Deletes a version and the payload file this server hosts for it; 409 while a channel points at it "
                + "or machines are downloading it.");

        app.MapGet("/channels", (string appId, HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                ListAsync(request, () => catalog.ListChannelsAsync(AppId(appId), ct), c => c.Name, StringComparer.Ordinal))
            .Produces<Page<ChannelInfo>>()
            .WithDescription("The channels by name. " + PageRequest.Description);
        app.MapPost("/channels", (string appId, HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                WithBodyAsync<CreateChannelRequest>(request, async body => ApiResults.From(
                    await catalog.CreateChannelAsync(AppId(appId), body, ct), StatusCodes.Status201Created), ct))
            .Accepts<CreateChannelRequest>("application/json").Produces<ChannelInfo>(StatusCodes.Status201Created);
        app.MapPut("/channels/{channel}", (string appId, string channel, HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                WithBodyAsync<SetChannelRequest>(request, async body => ApiResults.From(
                    await catalog.SetChannelAsync(AppId(appId), channel, body, ct)), ct))
            .Accepts<SetChannelRequest>("application/json").Produces<ChannelInfo>().Needs(Permission.Operate);
        app.MapPost("/channels/{channel}/promote", (string appId, string channel, HttpRequest request, CatalogService catalog, CancellationToken ct) =>
                WithBodyAsync<PromoteRequest>(request, async body => ApiResults.From(
                    await catalog.PromoteAsync(AppId(appId), channel, body, ct)), ct))
            .Accepts<PromoteRequest>("application/json").Produces<ChannelInfo>().Needs(Permission.Operate);
        app.MapDelete("/channels/{channel}", async (string appId, string channel, CatalogService catalog, CancellationToken ct) =>
                ApiResults.From(await catalog.DeleteChannelAsync(AppId(appId), channel, ct)))
            .Produces<DeletedInfo>()
            .WithDescription("Deletes a channel; 409 while a group follows it. Its package stays published.");

        app.MapGet("/groups", (string appId, HttpRequest request, GroupService groups, CancellationToken ct) =>
                ListAsync(request, () => groups.ListAsync(AppId(appId), ct), g => g.Name, StringComparer.Ordinal))
            .Produces<Page<GroupInfo>>()
            .WithDescription("The groups by name. " + PageRequest.Description);
        app.MapGet("/groups/{group}", async (string appId, string group, GroupService groups, CancellationToken ct) =>
                ApiResults.From(await groups.GetAsync(AppId(appId), group, ct)))
            .Produces<GroupInfo>();
        app.MapPost("/groups", (string appId, HttpRequest request, GroupService groups, CancellationToken ct) =>
                WithBodyAsync<GroupRequest>(request, async body => ApiResults.From(
                    await groups.CreateAsync(AppId(appId), body, ct), StatusCodes.Status201Created), ct))
            .Accepts<GroupRequest>("application/json").Produces<GroupInfo>(StatusCodes.Status201Created);
        app.MapPatch("/groups/{group}", (string appId, string group, HttpRequest request, GroupService groups, CancellationToken ct) =>
                WithBodyAsync<GroupRequest>(request, async body => ApiResults.From(
                    await groups.UpdateAsync(AppId(appId), group, body, ct)), ct))
            .Accepts<GroupRequest>("application/json").Produces<GroupInfo>().Needs(Permission.Operate);
        app.MapDelete("/groups/{group}", async (string appId, string group, HttpRequest request, GroupService groups, CancellationToken ct) =>
            {
                var force = ApiResults.QueryBool(request, "force");
                return force.IsOk ? ApiResults.From(await groups.DeleteAsync(AppId(appId), group, force.Value, ct)) : ApiResults.Problem(force.Error!);
            })
            .Produces<DeletedInfo>()
            .WithDescription("Deletes a group; 409 while machines are in it, unless force=true: they are then held back at their next "
                + "check until a group or channel named like their track exists.");
        app.MapPost("/groups/{group}/pause", async (string appId, string group, GroupService groups, CancellationToken ct) =>
                ApiResults.From(await groups.PauseAsync(AppId(appId), group, ct)))
            .Produces<GroupInfo>().Needs(Permission.Operate);
        app.MapPost("/groups/{group}/resume", async (string appId, string group, GroupService groups, CancellationToken ct) =>
                ApiResults.From(await groups.ResumeAsync(AppId(appId), group, ct)))
            .Produces<GroupInfo>().Needs(Permission.Operate);

        app.MapGet("/instances", async (string appId, HttpRequest request, FleetQueries fleet, CancellationToken ct) =>
            {
                var paging = PageRequest.From(request);
                if (!paging.IsOk)
                {
                    return ApiResults.Problem(paging.Error!);
                }

                var query = new InstanceQuery(
                    Filter(request, "group"), Filter(request, "status"), Filter(request, "version"), Filter(request, "q"),
                    Filter(request, "sort") ?? InstanceQuery.DefaultSort, paging.Value!.Page, paging.Value.PerPage, paging.Value.After);
                return ApiResults.From(await fleet.ListInstancesAsync(AppId(appId), query, ct));
            })
            .Produces<Page<InstanceInfo>>()
            .WithDescription("Filters: group, status, version; q: machines whose id, alias (both ignoring case), address or version starts with it "
                + $"(a search matching more than {InstanceQuery.SearchCountLimit:N0} is counted as that many, with totalCapped); sort: lastCheck, firstSeen, "
                + "machine, alias, ip, version, status or group, - first for descending (default -lastCheck). Paging: page (from 1), perPage (1-500, "
                + "default 50); after: a page's next cursor, for the page after it at any depth (page is then only echoed back).");
        app.MapGet("/rollout", (string appId, HttpRequest request, RolloutQueries rollout, CancellationToken ct) =>
                ListAsync(request, () => rollout.ListAsync(AppId(appId), ct), r => r.Group.Name, StringComparer.Ordinal))
            .Produces<Page<GroupRollout>>()
            .WithDescription("Every group's policy in words and where its rollout stands: on target, updating, on hold, failed, not yet offered; "
                + "by group name. " + PageRequest.Description);
        app.MapGet("/groups/{group}/rollout", async (string appId, string group, RolloutQueries rollout, CancellationToken ct) =>
                ApiResults.From(await rollout.GetAsync(AppId(appId), group, ct)))
            .Produces<GroupRollout>();
        app.MapGet("/groups/{group}/timeline", async (string appId, string group, HttpRequest request, RolloutQueries rollout, CancellationToken ct) =>
            {
                var span = Filter(request, "span") ?? "168h";
                return Keelson.Coordination.GoDuration.TryParse(span, out var duration)
                    ? ApiResults.From(await rollout.TimelineAsync(AppId(appId), group, duration, ct))
                    : ApiResults.Problem(CatalogError.Invalid("span", $"span '{Names.Shorten(span)}' is not a duration such as 1h or 168h"));
            })
            .Produces<FleetTimeline>()
            .WithDescription("Machines per version and per status over time: span 168h (default, hourly) or up to 3h (by the minute).");
        app.MapGet("/channel-history", (string appId, HttpRequest request, RolloutQueries rollout, CancellationToken ct) =>
                ListAsync(request, () => rollout.ChannelsAsync(AppId(appId), ct), c => c.Channel.Name, StringComparer.Ordinal))
            .Produces<Page<ChannelOverview>>()
            .WithDescription("The channels by name with their latest publications and promotions, newest first. " + PageRequest.Description);
        app.MapGet("/instances/{machineId}", async (string appId, string machineId, FleetQueries fleet, CancellationToken ct) =>
                ApiResults.From(await fleet.GetInstanceAsync(AppId(appId), machineId, ct)))
            .Produces<InstanceDetail>();

        var tokens = api.MapGroup("/tokens");
        tokens.MapGet("/", (HttpRequest request, TokenStore store, CancellationToken ct) =>
                ListAsync(request, async () => Ok(await store.ListAsync(ct)), t => t.Name, StringComparer.Ordinal))
            .Needs(Permission.Administer)
            .Produces<Page<TokenInfo>>()
            .WithDescription("The tokens by name: role, created at and by, last used; never a secret. " + PageRequest.Description);
        tokens.MapPost("/", (HttpRequest request, TokenStore store, CancellationToken ct) =>
                WithBodyAsync<CreateTokenRequest>(request, async body => ApiResults.From(
                    await store.CreateAsync(body.Name, body.Role, ct), StatusCodes.Status201Created), ct))
            .Accepts<CreateTokenRequest>("application/json").Produces<CreatedToken>(StatusCodes.Status201Created)
            .WithDescription("Creates a token with a role (viewer, operator, admin, machine); the answer holds its secret, shown this once.");
        tokens.MapDelete("/{name}", async (string name, HttpContext context, TokenStore store, CancellationToken ct) =>
                ApiResults.From(await store.RevokeAsync(name, ApiAuthorization.CallerOf(context), ct)))
            .Produces<DeletedInfo>()
            .WithDescription("Revokes a token on every replica; the built-in admin token, and the token of the request, cannot be revoked.");

        api.MapGet("/activity", async (HttpRequest request, FleetQueries fleet, CancellationToken ct) =>
            {
                var paging = PageRequest.From(request);
                if (!paging.IsOk)
                {
                    return ApiResults.Problem(paging.Error!);
                }

                var appId = Filter(request, "app") is { } id ? AppId(id) : null;
                return ApiResults.From(await fleet.ListActivityAsync(appId, paging.Value!.Page, paging.Value.PerPage, ct));
            })
            .Produces<Page<ActivityEntry>>()
            .WithDescription("The activity log, newest first; app: one application's entries and the server-wide ones. Paging: page (from 1), "
                + $"perPage (1-{FleetQueries.MaxPerPage}, default {PageRequest.DefaultPerPage}).");
    }

    private static async Task<IResult> PublishAsync(string appId, HttpRequest request, CatalogService catalog, ServerOptions options, CancellationToken ct)
    {
        if (request.HasJsonContentType())
        {
            return await WithBodyAsync<ExternalPackageRequest>(request, async body => ApiResults.From(
                await catalog.RegisterExternalAsync(AppId(appId), body, ct), StatusCodes.Status201Created), ct);
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResults.Problem(CatalogError.Invalid("body",
                "send the payload as application/octet-stream (with ?version=&name=) or an external package as application/json"));
        }

        if (request.ContentLength > options.MaxPayloadBytes)
        {
            return Results.Problem($"the payload is larger than the server's limit of {options.MaxPayloadBytes} bytes",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        // Payloads are far larger than Kestrel's default body limit; this server's own limit applies while streaming.
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        try
        {
            return ApiResults.From(
                await catalog.PublishAsync(AppId(appId), Filter(request, "version"), Filter(request, "name"), request.Body, options.MaxPayloadBytes, ct),
                StatusCodes.Status201Created);
        }
        catch (Payloads.PayloadTooLargeException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
    }

    private static async Task<IResult> WithBodyAsync<T>(HttpRequest request, Func<T, Task<IResult>> handle, CancellationToken ct)
        where T : class
    {
        var body = await ApiResults.ReadJsonAsync<T>(request, ct);
        return body.IsOk ? await handle(body.Value!) : ApiResults.Problem(body.Error!);
    }

    /// <summary>A page of a list read whole by <paramref name="read"/> (see <see cref="PageRequest.Of{T}(IEnumerable{T}, Func{T, string}, IComparer{string})"/>).</summary>
    private static async Task<IResult> ListAsync<T>(
        HttpRequest request, Func<Task<Outcome<IReadOnlyList<T>>>> read, Func<T, string> key, IComparer<string> order)
    {
        var paging = PageRequest.From(request);
        return paging.IsOk ? ApiResults.From(paging.Value!.Of(await read(), key, order)) : ApiResults.Problem(paging.Error!);
    }

    private static Outcome<IReadOnlyList<T>> Ok<T>(IReadOnlyList<T> items) => new(items, null);

    private static string? Filter(HttpRequest request, string name) =>
        request.Query[name].ToString() is { Length: > 0 } value ? value : null;

    private static string AppId(string appId) => OmahaAppId.Normalize(appId);
}
