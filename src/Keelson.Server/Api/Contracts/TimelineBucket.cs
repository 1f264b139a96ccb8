namespace Keelson.Server.Api.Contracts;

/// <summary>One bucket of a <see cref="FleetTimeline"/>: machines per version and per status at its last sample.</summary>
public sealed record TimelineBucket(DateTimeOffset Start, IReadOnlyList<Tally> Versions, IReadOnlyList<Tally> Statuses);
