using Keelson.Server.Api.Contracts;
using Keelson.Server.FleetLock;
using Keelson.Server.Storage;

namespace Keelson.Cli.Demo;

/// <summary>
/// What the story does as an operator would, through the admin API with <see cref="AdminClient"/> - the calls
/// behind <c>keelson package publish</c>, <c>channel set</c>, <c>channel promote</c>, <c>group update</c> and
/// <c>reboot-lock set</c> - and what it reads back to follow the fleet.
/// </summary>
internal sealed class DemoOperator(AdminClient admin)
{
    private const int MaxInstancesPerPage = 500;
    private static readonly string s_app = $"api/apps/{Uri.EscapeDataString(Migrations.CoreOsAppId)}";

    public Task<PackageInfo> PublishAsync(DemoRelease release, CancellationToken cancellationToken) =>
        admin.UploadAsync<PackageInfo>(
            $"{s_app}/packages?version={Uri.EscapeDataString(release.Version)}&name={Uri.EscapeDataString(Path.GetFileName(release.Payload))}",
            release.Payload, progress: null, cancellationToken);

    public Task<ChannelInfo> SetChannelAsync(string channel, string version, CancellationToken cancellationToken) =>
        admin.SendJsonAsync<ChannelInfo>(HttpMethod.Put, $"{s_app}/channels/{Uri.EscapeDataString(channel)}", new SetChannelRequest(version), cancellationToken);

    public Task<ChannelInfo> PromoteAsync(string from, string to, CancellationToken cancellationToken) =>
        admin.SendJsonAsync<ChannelInfo>(HttpMethod.Post, $"{s_app}/channels/{Uri.EscapeDataString(to)}/promote", new PromoteRequest(from), cancellationToken);

    public Task<GroupInfo> UpdateGroupAsync(string group, GroupRequest change, CancellationToken cancellationToken) =>
        admin.SendJsonAsync<GroupInfo>(HttpMethod.Patch, $"{s_app}/groups/{Uri.EscapeDataString(group)}", change, cancellationToken);

    public Task<RebootLockGroupInfo> SetRebootSlotsAsync(string group, int slots, CancellationToken cancellationToken) =>
        admin.SendJsonAsync<RebootLockGroupInfo>(HttpMethod.Put, $"api/reboot-locks/{Uri.EscapeDataString(group)}", new SetRebootLockSlotsRequest(slots), cancellationToken);

    public async Task<ServerState> ReadAsync(CancellationToken cancellationToken)
    {
        var groups = admin.GetAllPagesAsync<GroupInfo>($"{s_app}/groups", cancellationToken);
        var instances = admin.GetAsync<Page<InstanceInfo>>($"{s_app}/instances?perPage={MaxInstancesPerPage}", cancellationToken);
        var locks = admin.GetAllPagesAsync<RebootLockGroupInfo>("api/reboot-locks", cancellationToken);
        await Task.WhenAll(groups, instances, locks);
        return new ServerState(await groups, (await instances).Items, await locks);
    }
}
