using System.Buffers;
using Keelson.Coordination.FleetLock;
using Keelson.Limits;
using Keelson.Server.Api;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Keelson.Server.Security;
using Keelson.Server.Trust;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.FleetLock;

/// <summary>
/// FleetLock over HTTP: <c>POST /v1/pre-reboot</c> and <c>POST /v1/steady-state</c>, which machines call without
/// credentials (the protocol has none) and which therefore validate everything; and, on the update server, the
/// admin API <c>/api/reboot-locks</c> (bearer token) over its database's semaphores.
/// </summary>
internal static partial class FleetLockEndpoints
{
    /// <summary>The update server's FleetLock: the protocol endpoints and the admin API over its own database.</summary>
    public static void Map(WebApplication app, RateLimit requests, Cap groups)
    {
        ArgumentNullException.ThrowIfNull(app);
        var store = app.Services.GetRequiredService<SqlFleetLockStore>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FleetLockEndpoints).FullName!);
        MapProtocol(app, new FleetLockService(store), app.Services.GetRequiredService<MachineTrust>(), logger, requests, groups);
        MapAdmin(app, store, logger);
    }

    /// <summary>
    /// The two protocol endpoints over <paramref name="service"/>, for the machines <paramref name="trust"/> believes,
    /// limited per address by <paramref name="requests"/>; <paramref name="groups"/> names the store's cap on groups in
    /// the log line of a refusal.
    /// </summary>
    public static void MapProtocol(
        IEndpointRouteBuilder endpoints, FleetLockService service, MachineTrust trust, ILogger logger, RateLimit requests, Cap groups)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(groups);
        var metrics = endpoints.ServiceProvider.GetRequiredService<FleetLockMetrics>();
        var refusals = endpoints.ServiceProvider.GetRequiredService<LimitRefusals>();
        endpoints.MapPost(FleetLockProtocol.PreRebootPath, context => HandleAsync(context, FleetLockOperation.PreReboot, service, trust, metrics, logger, refusals, groups))
            .WithSummary("FleetLock: take a reboot slot (recursive); header fleet-lock-protocol: true")
            .LimitedBy(requests);
        endpoints.MapPost(FleetLockProtocol.SteadyStatePath, context => HandleAsync(context, FleetLockOperation.SteadyState, service, trust, metrics, logger, refusals, groups))
            .WithSummary("FleetLock: release the reboot slot if held; header fleet-lock-protocol: true")
            .LimitedBy(requests);
    }

    private static void MapAdmin(IEndpointRouteBuilder endpoints, SqlFleetLockStore store, ILogger logger)
    {
        var api = endpoints.MapGroup("/api/reboot-locks").RequireToken();

        api.MapGet("/", async (HttpRequest request, CancellationToken ct) =>
            {
                var paging = PageRequest.From(request);
                var invalid = paging.Error ?? (paging.Value?.After is { } after ? CheckGroup(after) : null);
                return invalid is not null
                    ? ApiResults.Problem(invalid)
                    : Results.Json(await store.ListAsync(paging.Value!.Page, paging.Value.PerPage, paging.Value.After, ct), ApiResults.Json);
            })
            .Produces<Page<RebootLockGroupInfo>>()
            .WithDescription("The FleetLock reboot groups by name: slots and holders. A group never configured has 1 slot; a cursor is a "
                + "group's name, read as fast at any depth. " + PageRequest.Description);
        api.MapGet("/{group}", async (string group, CancellationToken ct) =>
                CheckGroup(group) is { } invalid ? ApiResults.Problem(invalid) : Results.Json(await store.GetAsync(group, ct), ApiResults.Json))
            .Produces<RebootLockGroupInfo>();
        api.MapPut("/{group}", async (string group, HttpRequest request, CancellationToken ct) =>
            {
                if (CheckGroup(group) is { } invalid)
                {
                    return ApiResults.Problem(invalid);
                }

                var body = await ApiResults.ReadJsonAsync<SetRebootLockSlotsRequest>(request, ct);
                if (!body.IsOk)
                {
                    return ApiResults.Problem(body.Error!);
                }

                if (body.Value!.Slots is not { } slots || slots < 0 || slots > FleetLockSlots.MaxSlots)
                {
                    return ApiResults.Problem(CatalogError.Invalid("slots",
                        $"slots must be a whole number from 0 (no reboots) to {FleetLockSlots.MaxSlots}"));
                }

                var info = await store.SetSlotsAsync(group, slots, ct);
                await RecordAsync(endpoints.ServiceProvider, Updates.ActivityKind.RebootSlotsSet, $"reboot group {group} now has {slots} slots", ct);
                LogSlotsSet(logger, group, slots);
                return Results.Json(info, ApiResults.Json);
            })
            .Accepts<SetRebootLockSlotsRequest>("application/json").Produces<RebootLockGroupInfo>().Needs(Permission.Operate)
            .WithDescription("How many machines of the group may reboot at once; 0 stops reboots. Holders keep their slots.");
        api.MapDelete("/{group}/holders/{id}", async (string group, string id, CancellationToken ct) =>
            {
                if (CheckGroup(group) is { } invalid)
                {
                    return ApiResults.Problem(invalid);
                }

                if (!await store.UnlockAsync(group, id, ct))
                {
                    return ApiResults.Problem(CatalogError.NotFound($"'{Names.Shorten(id)}' holds no reboot slot of group '{group}'"));
                }

                await RecordAsync(endpoints.ServiceProvider, Updates.ActivityKind.RebootSlotFreed, $"the reboot slot that {Names.Shorten(id)} held in group {group} freed", ct);
                LogReleasedByOperator(logger, id, group);
                return Results.Json(await store.GetAsync(group, ct), ApiResults.Json);
            })
            .Produces<RebootLockGroupInfo>().Needs(Permission.Operate)
            .WithDescription("Frees a slot held by a machine that will not release it itself (e.g. one that is gone).");
    }

    /// <summary>An operator's change of reboot slots, in the activity log with who made it (server-wide: no application).</summary>
    internal static Task RecordAsync(IServiceProvider services, string kind, string message, CancellationToken ct)
    {
        var database = services.GetRequiredService<Storage.Database>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await CatalogService.LogAsync(connection, transaction, "", kind, message, now);
                return true;
            },
            ct);
    }

    private static CatalogError? CheckGroup(string group) =>
        FleetLockProtocol.IsValidGroup(group, out var error) ? null : CatalogError.Invalid("group", error);

    private static async Task HandleAsync(
        HttpContext context, FleetLockOperation operation, FleetLockService service, MachineTrust trust, FleetLockMetrics metrics, ILogger logger,
        LimitRefusals refusals, Cap groups)
    {
        var request = context.Request;
        var header = request.Headers.TryGetValue(FleetLockProtocol.HeaderName, out var values) ? values.ToString() : null;
        // One byte more than the limit is read, so that a larger body is told apart from one that fits exactly.
        var buffer = ArrayPool<byte>.Shared.Rent(FleetLockProtocol.MaxBodyBytes + 1);
        FleetLockResponse answer;
        try
        {
            var length = request.ContentLength > FleetLockProtocol.MaxBodyBytes
                ? FleetLockProtocol.MaxBodyBytes + 1
                : await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, FleetLockProtocol.MaxBodyBytes + 1),
                    FleetLockProtocol.MaxBodyBytes + 1, throwOnEndOfStream: false, context.RequestAborted);
            var caller = await trust.IdentifyAsync(context, context.RequestAborted);
            answer = await service.HandleAsync(operation, header, buffer.AsMemory(0, length),
                trust.Mode == MachineTrustMode.Any ? null : id => trust.Refusal(caller, id), context.RequestAborted);
        }
        catch (Exception e) when (e is not (OperationCanceledException or BadHttpRequestException))
        {
            LogFailed(logger, e, FleetLockProtocol.Path(operation));
            answer = FleetLockResponse.Unexpected();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (answer is { Error.Kind: FleetLockErrorKinds.LimitReached })
        {
            // Logged as every limit is, once a minute at most, so that a flood of new groups cannot flood the log.
            refusals.Refused(groups.Name, SourceAddress.Of(context));
        }
        else
        {
            Log(logger, operation, answer);
        }

        metrics.Answered(operation, answer);
        context.Response.StatusCode = answer.StatusCode;
        if (answer.Body is { } body)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(body, context.RequestAborted);
        }
    }

    private static void Log(ILogger logger, FleetLockOperation operation, FleetLockResponse answer)
    {
        // A slot taken or released is news; a machine asking again for what it has, or polling for a full slot, is routine.
        switch (answer)
        {
            case { IsSuccess: true, Changed: true } when operation == FleetLockOperation.PreReboot:
                LogGranted(logger, answer.Summary);
                break;
            case { IsSuccess: true, Changed: true }:
                LogReleased(logger, answer.Summary);
                break;
            case { IsSuccess: true }:
                LogUnchanged(logger, answer.Summary);
                break;
            case { Error.Kind: FleetLockErrorKinds.SemaphoreFull }:
                LogRefused(logger, answer.Summary);
                break;
            case { Error.Kind: FleetLockErrorKinds.InvalidClientIdentity or FleetLockErrorKinds.UntrustedClient }:
                LogInvalid(logger, FleetLockProtocol.Path(operation), answer.Summary);
                break;
            case { Error.Kind: FleetLockErrorKinds.StoreFailed }:
                LogStoreFailed(logger, answer.Summary);
                break;
        }
    }

    [LoggerMessage(EventId = FleetLockEventIds.Granted, Level = LogLevel.Information, Message = "FleetLock: {Summary}")]
    private static partial void LogGranted(ILogger logger, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.Released, Level = LogLevel.Information, Message = "FleetLock: {Summary}")]
    private static partial void LogReleased(ILogger logger, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.Unchanged, Level = LogLevel.Debug, Message = "FleetLock: {Summary}")]
    private static partial void LogUnchanged(ILogger logger, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.Refused, Level = LogLevel.Debug, Message = "FleetLock: no slot: {Summary}")]
    private static partial void LogRefused(ILogger logger, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.Invalid, Level = LogLevel.Debug, Message = "FleetLock: refused a request to {Path}: {Summary}")]
    private static partial void LogInvalid(ILogger logger, string path, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.StoreFailed, Level = LogLevel.Error, Message = "FleetLock: the store failed: {Summary}")]
    private static partial void LogStoreFailed(ILogger logger, string summary);

    [LoggerMessage(EventId = FleetLockEventIds.Failed, Level = LogLevel.Error, Message = "FleetLock: {Path} failed unexpectedly")]
    private static partial void LogFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = FleetLockEventIds.SlotsSet, Level = LogLevel.Information, Message = "FleetLock: group {Group} now has {Slots} reboot slots")]
    private static partial void LogSlotsSet(ILogger logger, string group, int slots);

    [LoggerMessage(EventId = FleetLockEventIds.ReleasedByOperator, Level = LogLevel.Information, Message = "FleetLock: an operator released the reboot slot {Id} held in group {Group}")]
    private static partial void LogReleasedByOperator(ILogger logger, string id, string group);
}
