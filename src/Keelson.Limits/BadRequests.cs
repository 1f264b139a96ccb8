using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keelson.Limits;

/// <summary>
/// A request body that is cut short or arrives too slowly (Kestrel's <see cref="BadHttpRequestException"/>) is the
/// client's fault, not the service's: it is answered with Kestrel's status (400, 408, 413) and one warning line
/// without a stack trace, instead of reaching the exception handler as an unhandled error.
/// </summary>
public static partial class BadRequests
{
    /// <summary>Put after <c>UseExceptionHandler</c>, so that it sees the exception first.</summary>
    public static void UseBadRequestAnswers(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadRequests).FullName!);
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e)
            {
                LogBadRequest(logger, context.Request.Method, context.Request.Path, SourceAddress.Of(context), e.StatusCode, e.Message);
                if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
                {
                    context.Response.Clear();
                    context.Response.StatusCode = e.StatusCode;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync($"bad request: {e.Message}\n", context.RequestAborted);
                }
            }
        });
    }

    [LoggerMessage(EventId = LimitsEventIds.BadRequest, Level = LogLevel.Warning,
        Message = "{Method} {Path} from {Address} answered {Status}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, string path, string address, int status, string reason);
}
