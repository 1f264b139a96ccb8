using System.Net;
using System.Threading.RateLimiting;
using Keelson.Limits;

namespace Keelson.Server.Updates;

/// <summary>
/// The cap on machines first seen, per source address and minute (<see cref="ServerLimits.NewMachines"/>): a
/// request of a machine never seen before is admitted while its address has tokens left, else refused before
/// anything is recorded. Machines already known are never counted.
/// </summary>
public sealed class NewMachineLimit(RateLimit limit) : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter = limit.IsOn ? SourceLimits.PerSource(limit) : null;

    public RateLimit Limit => limit;

    public bool IsOn => _limiter is not null;

    /// <summary>True when a new machine from <paramref name="clientIp"/> may be recorded now; else how long to wait.</summary>
    public bool TryAdmit(string clientIp, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        if (_limiter is null)
        {
            return true;
        }

        var source = SourceAddress.PartitionKey(IPAddress.TryParse(clientIp, out var address) ? address : null);
        using var lease = _limiter.AttemptAcquire(source);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;
        return false;
    }

    public void Dispose() => _limiter?.Dispose();
}
