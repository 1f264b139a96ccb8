namespace Keelson.Server.Api.Contracts;

/// <summary>
/// Machines of a group per version and per status over time, one sample per bucket (the last one taken in it);
/// a bucket with no sample (the server was down) is absent.
/// </summary>
/// <param name="BucketSeconds">3600 for the 7-day view, 60 for the last hour.</param>
public sealed record FleetTimeline(string Group, int BucketSeconds, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TimelineBucket> Buckets);
