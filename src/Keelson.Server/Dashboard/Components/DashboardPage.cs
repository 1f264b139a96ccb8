using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Keelson.Server.Dashboard.Components;

/// <summary>A dashboard page: rendered once per request on the server, with the request at hand.</summary>
public abstract class DashboardPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    /// <summary>Ends the page's queries when the browser goes away.</summary>
    protected CancellationToken Aborted => HttpContext?.RequestAborted ?? CancellationToken.None;

    [Inject]
    public NavigationManager Navigation { get; set; } = default!;

    /// <summary>Ends the page with 404 and the dashboard's not-found page, which names what was asked for.</summary>
    protected void NotFound() => Navigation.NotFound();
}
