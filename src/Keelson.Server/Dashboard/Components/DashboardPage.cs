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

    /// <summary>Answers 404 while still rendering the page, which then says what was not found.</summary>
    protected void NotFound()
    {
        if (HttpContext is { Response.HasStarted: false } context)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}
