using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Keelson.Limits;

/// <summary>
/// Answers a request refused by a limit (429, <c>Retry-After</c> where a wait helps, a body naming the limit) and
/// logs it: one line per limit per <see cref="LogInterval"/> at most, naming the limit and the address, and how many
/// refusals the limit made since its last line, so that a flood cannot flood the log.
/// </summary>
public sealed partial class LimitRefusals(TimeProvider time, ILogger<LimitRefusals> logger)
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Throttle> _throttles = new(StringComparer.Ordinal);

    /// <summary>Records a refusal under <paramref name="limit"/> of a request from <paramref name="address"/>.</summary>
    public void Refused(string limit, string address)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var throttle = _throttles.GetOrAdd(limit, _ => new Throttle());
        long refusals;
        lock (throttle)
        {
            throttle.Refusals++;
            var now = time.GetUtcNow();
            if (throttle.LastLine is { } last && now - last < LogInterval)
            {
                return;
            }

            throttle.LastLine = now;
            refusals = throttle.Refusals;
            throttle.Refusals = 0;
        }

        LogRefused(logger, limit, address, refusals, LogInterval.TotalSeconds);
    }

    /// <summary>Records the refusal and answers it: 429 with the limit named, <c>Retry-After</c> when given.</summary>
    public Task RefuseAsync(HttpContext context, string limit, string description, TimeSpan? retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(description);
        Refused(limit, SourceAddress.Of(context));
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.ContentType = "text/plain; charset=utf-8";
        var wait = "";
        if (retryAfter is { } after)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(after.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            wait = $"; retry after {seconds} s";
        }

        return response.WriteAsync($"too many requests: {description}{wait}\n", context.RequestAborted);
    }

    private sealed class Throttle
    {
        public long Refusals { get; set; }
        public DateTimeOffset? LastLine { get; set; }
    }

    [LoggerMessage(EventId = LimitsEventIds.Refused, Level = LogLevel.Warning,
        Message = "Limit {Limit} refused a request from {Address} ({Refusals} refusals under it since its last line; one line per {Seconds} s at most)")]
    private static partial void LogRefused(ILogger logger, string limit, string address, long refusals, double seconds);
}
