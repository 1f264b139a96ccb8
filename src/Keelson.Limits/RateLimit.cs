using System.Threading.RateLimiting;

namespace Keelson.Limits;

/// <summary>
/// A limit on how often one source address may do something: <paramref name="PerMinute"/> times a minute, with a
/// burst of as many; 0 turns it off. <paramref name="Name"/> is what a refusal and its log line call it,
/// <paramref name="What"/> what it counts ("Omaha requests"), <paramref name="Setting"/> the flag that changes it.
/// </summary>
public sealed record RateLimit(string Name, string What, string Setting, int PerMinute)
{
    public bool IsOn => PerMinute > 0;

    /// <summary>The sentence a refused client reads.</summary>
    public string Describe() => $"limit '{Name}': at most {PerMinute} {What} a minute from one address (set by {Setting}, 0 turns it off)";

    /// <summary>
    /// A bucket of <see cref="PerMinute"/> tokens that refills evenly: by the second when the rate divides into
    /// seconds, else by the minute, so that the rate is exactly the one configured.
    /// </summary>
    public TokenBucketRateLimiterOptions Bucket() => new()
    {
        TokenLimit = PerMinute,
        TokensPerPeriod = PerMinute % 60 == 0 ? PerMinute / 60 : PerMinute,
        ReplenishmentPeriod = PerMinute % 60 == 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
