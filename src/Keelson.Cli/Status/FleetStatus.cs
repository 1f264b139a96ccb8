using Keelson.Server.Api.Contracts;
using Keelson.Server.FleetLock;

namespace Keelson.Cli.Status;

/// <summary>
/// The fleet at a glance, as <c>keelson status --json</c> prints it: every group of the application with its rollout
/// (the server's own classification of each machine) and the server's reboot slots with their holders.
/// </summary>
/// <param name="App">The application id.</param>
/// <param name="Groups">The groups asked for, each with its policy and where its rollout stands.</param>
/// <param name="RebootLocks">The FleetLock reboot groups (named by the machines, not by update groups) and who holds a slot.</param>
internal sealed record FleetStatus(string App, IReadOnlyList<GroupRollout> Groups, IReadOnlyList<RebootLockGroupInfo> RebootLocks)
{
    /// <summary>Reads the status from the admin API (<paramref name="appPath"/> is the app's); <paramref name="group"/> narrows it to one group.</summary>
    public static async Task<FleetStatus> ReadAsync(AdminClient client, string app, string appPath, string? group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        IReadOnlyList<GroupRollout> groups = group is null
            ? await client.GetAllPagesAsync<GroupRollout>($"{appPath}/rollout", cancellationToken)
            : [await client.GetAsync<GroupRollout>($"{appPath}/groups/{Uri.EscapeDataString(group)}/rollout", cancellationToken)];
        var locks = await client.GetAllPagesAsync<RebootLockGroupInfo>("api/reboot-locks", cancellationToken);
        return new FleetStatus(app, groups, locks);
    }
}
