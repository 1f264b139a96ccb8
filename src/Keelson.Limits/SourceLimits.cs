using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keelson.Limits;

/// <summary>
/// Per-address rate limits on endpoints, with ASP.NET Core's rate limiter partitioned by <see cref="SourceAddress"/>,
/// and the connection cap. Register with <see cref="AddSourceLimits"/>, put on endpoints with <see cref="LimitedBy"/>,
/// and run with <see cref="UseSourceLimits"/> after <see cref="SourceAddress.UseTrustedProxies"/>.
/// </summary>
public static class SourceLimits
{
    /// <summary>Registers <paramref name="limits"/> (those turned off are left out) and <see cref="LimitRefusals"/>.</summary>
    public static IServiceCollection AddSourceLimits(this IServiceCollection services, params RateLimit[] limits)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(limits);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LimitRefusals>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            foreach (var limit in limits.Where(limit => limit.IsOn))
            {
                options.AddPolicy(limit.Name, new SourcePolicy(limit));
            }
        });
        return services;
    }

    /// <summary>Puts <paramref name="limit"/> on the endpoints of <paramref name="builder"/>, unless it is off.</summary>
    public static TBuilder LimitedBy<TBuilder>(this TBuilder builder, RateLimit limit)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(limit);
        return limit.IsOn ? builder.RequireRateLimiting(limit.Name) : builder;
    }

    /// <summary>Runs the limits put on endpoints; endpoints without one (such as <c>/health</c>) are never limited.</summary>
    public static void UseSourceLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRateLimiter();
    }

    /// <summary>At most <paramref name="cap"/> connections open at once (Kestrel closes any beyond it); 0: no cap.</summary>
    public static void CapConnections(KestrelServerOptions kestrel, Cap cap)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(cap);
        kestrel.Limits.MaxConcurrentConnections = cap.IsOn ? cap.Max : null;
        kestrel.Limits.MaxConcurrentUpgradedConnections = cap.IsOn ? cap.Max : null;
    }

    /// <summary>A limiter of <paramref name="limit"/> per source, for a count that is not one request (machines first seen).</summary>
    public static PartitionedRateLimiter<string> PerSource(RateLimit limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var bucket = limit.Bucket();
        return PartitionedRateLimiter.Create<string, string>(source => RateLimitPartition.GetTokenBucketLimiter(source, _ => bucket));
    }

    private sealed class SourcePolicy(RateLimit limit) : IRateLimiterPolicy<string>
    {
        private readonly TokenBucketRateLimiterOptions _bucket = limit.Bucket();

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (rejected, _) =>
        {
            var context = rejected.HttpContext;
            TimeSpan? retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;
            return new ValueTask(context.RequestServices.GetRequiredService<LimitRefusals>().RefuseAsync(context, limit.Name, limit.Describe(), retryAfter));
        };

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetTokenBucketLimiter(SourceAddress.PartitionKey(httpContext.Connection.RemoteIpAddress), _ => _bucket);
    }
}
