using System.Text;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Keelson.Server.FleetLock;
using Keelson.Server.Security;
using Keelson.Server.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Dashboard;

/// <summary>
/// The dashboard at <c>/</c>: pages rendered on the server (Razor components, static rendering), a stylesheet and a
/// small script served from the assembly, a server-sent event stream that tells open pages the fleet changed, and
/// the actions - plain form posts under <c>/ui/</c>, each checked for the session and its anti-forgery token, each
/// calling the same service as the admin API, then redirecting back to the page.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>The application the dashboard shows: the CoreOS app that Flatcar machines ask for.</summary>
    public const string AppId = Migrations.CoreOsAppId;

    private static readonly TimeSpan s_keepAlive = TimeSpan.FromSeconds(15);

    public static void AddDashboard(this IServiceCollection services, ServerOptions options)
    {
        var keys = Path.Combine(options.DataDirectory, "dashboard-keys");
        Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        services.AddDataProtection().SetApplicationName("keelson").PersistKeysToFileSystem(new DirectoryInfo(keys));
        services.AddRazorComponents();
        services.AddSingleton<DashboardSession>();
        services.AddSingleton<Flash>();
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<LiveChanges>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveChanges>());
        services.AddAuthentication(DashboardSession.Scheme)
            .AddCookie(DashboardSession.Scheme, cookie =>
            {
                DashboardSession.ConfigureCookie(cookie);
                cookie.Events = new CookieAuthenticationEvents
                {
                    OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<DashboardSession>().ValidateAsync(context),
                    // The event stream and the actions are not pages to be sent to the sign-in form from.
                    OnRedirectToLogin = context =>
                    {
                        if (context.Request.Path.StartsWithSegments("/ui"))
                        {
                            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                            return Task.CompletedTask;
                        }

                        context.Response.Redirect(context.RedirectUri);
                        return Task.CompletedTask;
                    },
                };
            });
        services.AddAuthorization();
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "keelson_csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.FormFieldName = "csrf";
        });
    }

    public static void MapDashboard(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        var assets = app.Services.GetRequiredService<DashboardAssets>();
        app.MapGet(DashboardAssets.Route, (HttpContext context, string name) => assets.Serve(context, name)).ExcludeFromDescription();
        app.MapRazorComponents<Components.DashboardApp>();

        var ui = app.MapGroup("/ui").ExcludeFromDescription();
        // Every post, the sign-in too, carries the form's anti-forgery token; the session cookie is SameSite=Strict besides.
        // The anti-forgery middleware only records whether the token was right; an action that binds no form would
        // run anyway, so every post is refused here unless the token was right.
        ui.WithMetadata(new RequireAntiforgeryTokenAttribute());
        ui.AddEndpointFilter(async (context, next) =>
            HttpMethods.IsPost(context.HttpContext.Request.Method)
                && context.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true }
                ? Results.Problem("the form's anti-forgery token is missing or wrong: reload the page and try again",
                    statusCode: StatusCodes.Status400BadRequest, title: "Refused.")
                : await next(context));
        ui.MapPost("/signin", SignInAsync).AllowAnonymous();
        var session = ui.MapGroup("").RequireAuthorization();
        session.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(DashboardSession.Scheme);
            return Results.Redirect(DashboardSession.SignInPath + "?signedOut=1");
        });
        session.MapGet("/live", LiveAsync);

        // The actions move rollouts: an operator's or an admin's (Roles), checked here whatever the page showed, and
        // recorded in the activity log with the session's token and address.
        var actions = session.MapGroup("");
        actions.AddEndpointFilter(async (context, next) =>
        {
            var caller = DashboardSession.CallerOf(context.HttpContext.User);
            if (caller is null || !caller.Can(Permission.Operate))
            {
                return Results.Problem(
                    caller is null ? "sign in first" : Roles.Refusal(caller, Permission.Operate),
                    statusCode: caller is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
                    title: caller is null ? "Unauthorized." : "Forbidden.");
            }

            using (AuditScope.Enter(Actor.Of(caller, context.HttpContext)))
            {
                return await next(context);
            }
        });
        actions.MapPost("/groups/{group}/pause", (HttpContext context, string group, GroupService groups, CancellationToken ct) =>
            ActAsync(context, GroupPage(group), groups.PauseAsync(AppId, group, ct), _ => $"Group {group} paused: no machine is offered an update until it is resumed."));
        actions.MapPost("/groups/{group}/resume", (HttpContext context, string group, GroupService groups, CancellationToken ct) =>
            ActAsync(context, GroupPage(group), groups.ResumeAsync(AppId, group, ct), _ => $"Group {group} resumed."));
        actions.MapPost("/groups/{group}/policy", (HttpContext context, string group, [FromForm] PolicyForm form, GroupService groups, CancellationToken ct) =>
            ActAsync(context, GroupPage(group), groups.UpdateAsync(AppId, group, form.ToRequest(), ct), g => $"Policy of {group} saved: {Rollout.PolicyWords.Describe(g)}."));
        actions.MapPost("/channels/{channel}/promote", (HttpContext context, string channel, [FromForm] PromoteForm form, CatalogService catalog, CancellationToken ct) =>
            ActAsync(context, DashboardSession.LocalPath(form.ReturnUrl), catalog.PromoteAsync(AppId, channel, new PromoteRequest(form.From, form.Force), ct),
                c => $"Channel {channel} now serves {c.Version}, promoted bit for bit from {form.From}."));
        actions.MapPost("/reboot-slots/{group}/holders/{id}/free", (HttpContext context, string group, string id, SqlFleetLockStore store, CancellationToken ct) =>
            ActAsync(context, "/reboot-slots", FreeSlotAsync(context.RequestServices, store, group, id, ct), _ => $"The reboot slot that {id} held in {group} is free."));
    }

    private static async Task<IResult> SignInAsync(HttpContext context, [FromForm] SignInForm form, DashboardSession session)
    {
        var back = DashboardSession.LocalPath(form.ReturnUrl);
        var result = await session.SignInAsync(context, form.Token);
        if (result == SignInResult.SignedIn)
        {
            return Results.Redirect(back);
        }

        var error = string.IsNullOrWhiteSpace(form.Token) ? "empty" : result == SignInResult.Refused ? "machine" : "wrong";
        var query = new StringBuilder("?error=").Append(error);
        if (back != "/")
        {
            query.Append("&returnUrl=").Append(Uri.EscapeDataString(back));
        }

        return Results.Redirect(DashboardSession.SignInPath + query);
    }

    private static async Task LiveAsync(HttpContext context, LiveChanges changes, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        using var listening = changes.Listen();
        var seen = await changes.ReadAsync(cancellationToken);
        await context.Response.WriteAsync($"retry: 2000\nevent: hello\ndata: {seen}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var mark = await changes.WaitForChangeAsync(seen, s_keepAlive, cancellationToken);
                await context.Response.WriteAsync(mark is null ? ": still here\n\n" : $"event: change\ndata: {mark}\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                seen = mark ?? seen;
            }
        }
        catch (OperationCanceledException)
        {
            // The page was closed.
        }
    }

    private static async Task<Outcome<RebootLockGroupInfo>> FreeSlotAsync(
        IServiceProvider services, SqlFleetLockStore store, string group, string id, CancellationToken ct)
    {
        if (!Coordination.FleetLock.FleetLockProtocol.IsValidGroup(group, out var error))
        {
            return CatalogError.Invalid("group", error);
        }

        if (!await store.UnlockAsync(group, id, ct))
        {
            return CatalogError.NotFound($"{Names.Shorten(id)} holds no reboot slot of group {group} (any more)");
        }

        await FleetLockEndpoints.RecordAsync(services, Updates.ActivityKind.RebootSlotFreed,
            $"the reboot slot that {Names.Shorten(id)} held in group {group} freed", ct);
        return await store.GetAsync(group, ct);
    }

    /// <summary>Runs an action, leaves what came of it for the next page, and sends the browser there.</summary>
    private static async Task<IResult> ActAsync<T>(HttpContext context, string back, Task<Outcome<T>> action, Func<T, string> success)
    {
        var outcome = await action;
        var flash = context.RequestServices.GetRequiredService<Flash>();
        if (outcome.Error is { } error)
        {
            flash.Set(context, error.Message, isError: true);
        }
        else
        {
            flash.Set(context, success(outcome.Value!), isError: false);
        }

        return Results.Redirect(back);
    }

    private static string GroupPage(string group) => "/groups/" + Uri.EscapeDataString(group);

    /// <summary>The sign-in form.</summary>
    internal sealed class SignInForm
    {
        public string? Token { get; set; }
        public string? ReturnUrl { get; set; }
    }

    /// <summary>The promote form: the channel whose package the target channel takes.</summary>
    internal sealed class PromoteForm
    {
        public string? From { get; set; }
        public bool Force { get; set; }
        public string? ReturnUrl { get; set; }
    }

    /// <summary>The group policy form; empty fields keep their value.</summary>
    internal sealed class PolicyForm
    {
        public bool SafeMode { get; set; }
        public string? MaxUpdatesPerPeriod { get; set; }
        public string? Period { get; set; }
        public string? UpdateTimeout { get; set; }
        public string? Windows { get; set; }
        public string? TimeZone { get; set; }
        public string? Ramp { get; set; }

        public GroupRequest ToRequest() => new(
            SafeMode: SafeMode,
            MaxUpdatesPerPeriod: int.TryParse(MaxUpdatesPerPeriod, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var max) ? max
                : string.IsNullOrWhiteSpace(MaxUpdatesPerPeriod) ? null : -1,
            Period: Blank(Period),
            UpdateTimeout: Blank(UpdateTimeout),
            Windows: Windows is null ? null : [.. Windows.Split(['\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            TimeZone: Blank(TimeZone),
            Ramp: Blank(Ramp));

        private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }
}
