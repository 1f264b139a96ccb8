using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Server.Security;

/// <summary>
/// The admin API's check of the bearer token: 401 for no, an unknown or a revoked token; 403, naming the role
/// needed, for a token whose role lacks the endpoint's <see cref="Permission"/>. A read (GET) needs
/// <see cref="Permission.Read"/> and anything else <see cref="Permission.Administer"/> unless the endpoint says
/// otherwise with <see cref="Needs{TBuilder}"/>, so that a new endpoint is admin-only until someone decides.
/// </summary>
internal static partial class ApiAuthorization
{
    /// <summary>Checks every endpoint of <paramref name="group"/>; the request then runs as its caller (<see cref="AuditScope"/>).</summary>
    public static RouteGroupBuilder RequireToken(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var header = http.Request.Headers.Authorization.ToString();
            var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
            var caller = await http.RequestServices.GetRequiredService<TokenStore>().AuthenticateAsync(presented, http.RequestAborted);
            if (caller is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Problem(
                    presented is null
                        ? "a bearer token is required: Authorization: Bearer <token>"
                        : "the bearer token is not known here (mistyped, revoked, or of another server)",
                    statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized.");
            }

            var permission = Needed(http);
            if (!caller.Can(permission))
            {
                var refusal = Roles.Refusal(caller, permission);
                LogForbidden(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiAuthorization).FullName!),
                    http.Request.Method, http.Request.Path, caller.Name, refusal);
                return Results.Problem(refusal, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
                    extensions: new Dictionary<string, object?> { ["needs"] = Roles.With(permission).Select(Roles.Name).ToArray() });
            }

            http.Items[typeof(Caller)] = caller;
            using (AuditScope.Enter(Actor.Of(caller, http)))
            {
                return await next(context);
            }
        });
        return group;
    }

    /// <summary>Marks an endpoint as needing <paramref name="permission"/> rather than what its method implies.</summary>
    public static TBuilder Needs<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NeedsPermission(permission));

    /// <summary>The caller the request was checked for.</summary>
    public static Caller CallerOf(HttpContext context) =>
        context.Items[typeof(Caller)] as Caller ?? throw new InvalidOperationException("the request was not checked for a token");

    /// <summary>What the endpoint of this request needs.</summary>
    public static Permission Needed(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<NeedsPermission>() is { } needs ? needs.Permission
        : HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? Permission.Read
        : Permission.Administer;

    [LoggerMessage(EventId = ServerEventIds.RequestForbidden, Level = LogLevel.Information,
        Message = "Refused {Method} {Path} to token {Token}: {Refusal}")]
    private static partial void LogForbidden(ILogger logger, string method, string path, string token, string refusal);

    /// <summary>Endpoint metadata: the permission the endpoint needs.</summary>
    internal sealed record NeedsPermission(Permission Permission);
}
