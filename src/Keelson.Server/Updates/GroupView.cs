using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>A group with its channel and the package the channel points at, read in one query.</summary>
public sealed record GroupView(GroupRow Group, ChannelRow Channel, PackageRow? Package);
