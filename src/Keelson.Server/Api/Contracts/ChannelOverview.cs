namespace Keelson.Server.Api.Contracts;

/// <summary>A channel with its latest package changes (publications to it and promotions into it), newest first.</summary>
public sealed record ChannelOverview(ChannelInfo Channel, IReadOnlyList<ActivityEntry> History);
