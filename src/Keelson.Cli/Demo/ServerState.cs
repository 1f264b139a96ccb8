using Keelson.Server.Api.Contracts;
using Keelson.Server.FleetLock;

namespace Keelson.Cli.Demo;

/// <summary>What the update service's admin API says at one moment: groups, machines and reboot slots.</summary>
internal sealed record ServerState(IReadOnlyList<GroupInfo> Groups, IReadOnlyList<InstanceInfo> Instances, IReadOnlyList<RebootLockGroupInfo> Locks)
{
    public GroupInfo Group(string name) =>
        Groups.FirstOrDefault(g => g.Name == name) ?? throw new CliException($"the server has no group '{name}'");

    public IEnumerable<InstanceInfo> In(string group) => Instances.Where(i => i.Group == group);

    public IReadOnlyList<string> Holders(string group) =>
        Locks.FirstOrDefault(l => l.Group == group)?.Holders.Select(h => h.Id).ToList() ?? [];

    /// <summary>The group's reboot slots; a group never configured has one, as the FleetLock store says.</summary>
    public int Slots(string group) => Locks.FirstOrDefault(l => l.Group == group)?.Slots ?? 1;
}
