using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Dashboard.Components;

/// <summary>A dashboard page: rendered once per request on the server, with the request at hand.</summary>
public abstract class DashboardPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    /// <summary>
    /// Whether the signed-in token may act (pause, promote, edit a policy, free a slot): a viewer's pages leave the
    /// forms out; the actions check again on the server.
    /// </summary>
    protected bool CanOperate => HttpContext?.User is { } user && DashboardSession.CallerOf(user)?.Can(Security.Permission.Operate) == true;

    /// <summary>Ends the page's queries when the browser goes away.</summary>
    protected CancellationToken Aborted => HttpContext?.RequestAborted ?? CancellationToken.None;

    [Inject]
    public NavigationManager Navigation { get; set; } = default!;

    /// <summary>Ends the page with 404 and the dashboard's not-found page, which names what was asked for.</summary>
    protected void NotFound() => Navigation.NotFound();
}
