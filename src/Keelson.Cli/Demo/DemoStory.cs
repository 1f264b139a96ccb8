using System.Globalization;
using Keelson.Omaha;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Updates;

namespace Keelson.Cli.Demo;

/// <summary>
/// The story <c>keelson demo</c> tells: releases built and signed; machines booted on 1.0.0; 1.1.0 reaching alpha
/// and the machines rebooting in turns; 1.1.0 promoted bit for bit to beta, then stable; a bad 1.2.0 on alpha in
/// safe mode that the first machine boots, fails and falls back from by itself, keeping its reboot slot, while the
/// server halts the group. Every step acts through the admin API and waits, with a deadline, until the update
/// service reports what the step set out to show; a step that does not happen ends the story with its name.
/// </summary>
internal sealed class DemoStory(
    DemoSettings settings, DemoWorkspace workspace, DemoServer server, DemoOperator admin, DemoLog log, IDemoProgress progress, TimeProvider time)
    : IAsyncDisposable
{
    /// <summary>How many machines of a group may reboot at once.</summary>
    public const int RebootSlots = 2;

    private const string FirstGroup = "alpha";
    private const int MaxBusyInMessage = 8;
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(300);

    private DemoFleet? _fleet;
    private string _step = "";

    private DemoFleet Fleet => _fleet ?? throw new InvalidOperationException("the fleet is not booted yet");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var releases = await BuildReleasesAsync(cancellationToken);
        await PublishStartAsync(releases.Start, cancellationToken);
        await BootFleetAsync(releases, cancellationToken);
        var good = await ReachAlphaAsync(releases.Good, cancellationToken);
        await PromoteAsync(FirstGroup, "beta", good, cancellationToken);
        await PromoteAsync("beta", "stable", good, cancellationToken);
        var failed = await BadReleaseAsync(releases.Bad, good.Version, cancellationToken);
        ShowWhatAnOperatorDoes(failed, releases.Bad.Version);
        progress.Line(DemoLineKind.Done, $"The story reached its end in {Seconds(time.GetElapsedTime(started))}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    private async Task<DemoReleases> BuildReleasesAsync(CancellationToken cancellationToken)
    {
        Begin("Building the releases: ext4 usr images and signed payloads");
        var releases = await DemoReleases.BuildAsync(workspace.Releases, progress.Detail, cancellationToken);
        progress.Line(DemoLineKind.Done,
            $"Built {releases.Start.Version}, {releases.Good.Version} and {releases.Bad.Version}: ext4 usr images with share/coreos/release, payloads signed with a new key ({releases.KeyId})");
        progress.Line(DemoLineKind.Note, $"{releases.Bad.Version} carries share/keelson/fail-health: it will fail its health check");
        return releases;
    }

    private async Task PublishStartAsync(DemoRelease start, CancellationToken cancellationToken)
    {
        Begin($"Publishing {start.Version} on every channel");
        var package = await admin.PublishAsync(start, cancellationToken);
        foreach (var group in DemoFleet.Groups)
        {
            progress.Detail($"channel {group} -> {start.Version}; {RebootSlots} reboot slots for group {group}");
            await admin.SetChannelAsync(group, start.Version, cancellationToken);
            await admin.SetRebootSlotsAsync(group, RebootSlots, cancellationToken);
        }

        progress.Line(DemoLineKind.Done,
            $"Channels {string.Join(", ", DemoFleet.Groups)} point at {start.Version} (package {package.Id}); {RebootSlots} reboot slots per group in the server's FleetLock");
    }

    private async Task BootFleetAsync(DemoReleases releases, CancellationToken cancellationToken)
    {
        var version = releases.Start.Version;
        Begin($"Booting {settings.Machines} machines on {version}");
        _fleet = await DemoFleet.CreateAsync(
            workspace.Machines, settings.Machines, releases.Start.Image, releases.PublicKeyPath, server.Url, progress.Detail, time, cancellationToken);
        _fleet.Start(settings.CheckInterval, settings.RebootDowntime, log);
        progress.Detail("each machine boots (gptprio on its disk image) and its agent makes its first update check");
        await WaitAsync($"every machine checks in running {version}",
            state => state.Instances.Count == settings.Machines && state.Instances.All(i => i.Version == version), cancellationToken);
        var groups = string.Join(", ", DemoFleet.Groups.Select(g => $"{Fleet.In(g).Count()} in {g}"));
        progress.Line(DemoLineKind.Done,
            $"{settings.Machines} machines run {version}, each with its own disk image and agent, checking every {Seconds(settings.CheckInterval)}: {groups}");
    }

    private async Task<PackageInfo> ReachAlphaAsync(DemoRelease release, CancellationToken cancellationToken)
    {
        Begin($"{release.Version} reaches {FirstGroup}");
        var package = await admin.PublishAsync(release, cancellationToken);
        await admin.SetChannelAsync(FirstGroup, release.Version, cancellationToken);
        progress.Line(DemoLineKind.Note, $"published {release.Version} (package {package.Id}) and pointed the {FirstGroup} channel at it");
        await RollOutAsync(FirstGroup, release.Version, cancellationToken);
        return package;
    }

    private async Task PromoteAsync(string from, string to, PackageInfo package, CancellationToken cancellationToken)
    {
        Begin($"{package.Version} is promoted from {from} to {to}, bit for bit");
        var channel = await admin.PromoteAsync(from, to, cancellationToken);
        if (channel.PackageId != package.Id)
        {
            throw Failed($"channel {to} points at package {channel.PackageId}, not at {from}'s {package.Id}");
        }

        progress.Line(DemoLineKind.Note, $"channel {to} points at package {package.Id}: the very payload {from} ran, same bytes, same hashes");
        await RollOutAsync(to, package.Version, cancellationToken);
    }

    /// <summary>Waits until every machine of the group has completed the update to <paramref name="version"/>.</summary>
    private async Task RollOutAsync(string group, string version, CancellationToken cancellationToken)
    {
        var began = time.GetTimestamp();
        var machines = Fleet.In(group).Count();
        // Machines reboot a slotful at a time: each further turn may take a reboot and the longest lock retry.
        var turns = (machines + RebootSlots - 1) / RebootSlots;
        var deadline = settings.StepTimeout + (turns - 1) * (settings.RebootDowntime + settings.LongestLockRetry);
        var mostHolders = 0;
        var waited = new HashSet<string>();
        progress.Detail($"the {group} machines download and install {version}, then take turns for the {RebootSlots} reboot slots");
        await WaitAsync(
            $"every {group} machine runs {version}",
            state => state.In(group).Count(i => i.Version == version && i.Status == InstanceStatus.Complete) == machines,
            cancellationToken,
            deadline,
            view =>
            {
                mostHolders = Math.Max(mostHolders, view.Groups.Single(g => g.Name == group).SlotHolders.Count);
                waited.UnionWith(view.Busy.Where(m => m.Group == group && m.Phase == MachinePhase.WaitingForSlot).Select(m => m.Name));
            });
        progress.Line(DemoLineKind.Done,
            $"{group} runs {version}: {machines} machines rebooted in turns, at most {mostHolders} of {RebootSlots} slots held at once, "
            + $"{waited.Count} waited for a slot ({Seconds(time.GetElapsedTime(began))})");
    }

    /// <summary>The bad release on alpha in safe mode; returns the machine that tried it.</summary>
    private async Task<DemoMachine> BadReleaseAsync(DemoRelease release, string good, CancellationToken cancellationToken)
    {
        var bad = release.Version;
        Begin($"A bad {bad} goes to {FirstGroup}, in safe mode");
        await admin.UpdateGroupAsync(FirstGroup, new GroupRequest(SafeMode: true), cancellationToken);
        progress.Line(DemoLineKind.Note, $"{FirstGroup} is in safe mode: one machine tries a new release first, and a failure halts the group");
        var package = await admin.PublishAsync(release, cancellationToken);
        await admin.SetChannelAsync(FirstGroup, bad, cancellationToken);
        progress.Line(DemoLineKind.Note, $"published {bad} (package {package.Id}) and pointed the {FirstGroup} channel at it");

        progress.Detail($"waiting for the first {FirstGroup} machine to be offered {bad}");
        var offered = await WaitAsync($"an {FirstGroup} machine is offered {bad}", state => state.In(FirstGroup).Any(i => i.UpdateVersion == bad), cancellationToken);
        var first = Fleet.Machines.Single(m => m.MachineId == offered.In(FirstGroup).First(i => i.UpdateVersion == bad).MachineId);
        progress.Detail($"{first.Name} goes first: it installs {bad}, takes a reboot slot and boots it");

        var halted = await WaitAsync($"{first.Name} boots {bad}, fails its health check and the server halts {FirstGroup}",
            state => !state.Group(FirstGroup).UpdatesEnabled, cancellationToken);
        progress.Line(DemoLineKind.Bad, $"{first.Name} booted {bad} and failed its health check; the server halted {FirstGroup}");
        progress.Line(DemoLineKind.Note, $"{FirstGroup} is paused: {halted.Group(FirstGroup).PausedReason}");

        progress.Detail($"{first.Name} reboots; the bootloader falls back to the slot that holds {good}");
        await WaitAsync($"{first.Name} falls back to {good} by itself and keeps its reboot slot", state =>
            first.HasBooted(bad) && first.Running == good
            && state.Instances.Any(i => i.MachineId == first.MachineId && i.Version == good && IsRollback(i.LastErrorCode))
            && state.Holders(FirstGroup).Contains(first.MachineId), cancellationToken);
        progress.Line(DemoLineKind.Done,
            $"{first.Name} fell back to {good} by itself, reports error {OmahaErrorCodes.Rollback} (rolled back) and keeps its {FirstGroup} reboot slot");

        var state = await admin.ReadAsync(cancellationToken);
        var others = Fleet.In(FirstGroup).Where(m => m != first).ToList();
        var reached = others.Where(m => m.HasBooted(bad) || state.Instances.Any(i => i.MachineId == m.MachineId && i.UpdateVersion == bad)).ToList();
        if (reached.Count > 0)
        {
            throw Failed($"safe mode did not hold: {string.Join(", ", reached.Select(m => m.Name))} got {bad} too");
        }

        progress.Line(DemoLineKind.Done, $"No other {FirstGroup} machine got {bad}: safe mode held back the other {others.Count}, which stay on {good}");
        return first;
    }

    private void ShowWhatAnOperatorDoes(DemoMachine failed, string bad)
    {
        progress.Line(DemoLineKind.Title, "What an operator does now (the keelson CLI works against this server):");
        progress.Line(DemoLineKind.Command, $"export KEELSON_SERVER={server.Url} KEELSON_TOKEN={server.Token}");
        progress.Line(DemoLineKind.Note, $"look at {failed.Name}: error {OmahaErrorCodes.Rollback}, rolled back from {bad}, and its history");
        progress.Line(DemoLineKind.Command, $"keelson instance show {failed.MachineId}");
        progress.Line(DemoLineKind.Note, $"or on the dashboard: {new Uri(server.Url, $"machines/{failed.MachineId}")} and {new Uri(server.Url, $"groups/{FirstGroup}")}");
        progress.Line(DemoLineKind.Note, $"once the cause is understood, free its reboot slot (until then no other {FirstGroup} machine reboots)");
        progress.Line(DemoLineKind.Command, $"keelson reboot-lock release {FirstGroup} {failed.MachineId}");
        progress.Line(DemoLineKind.Note, $"once a fixed release is on the {FirstGroup} channel, let the group update again (the dashboard's group page has the button too)");
        progress.Line(DemoLineKind.Command, $"keelson group resume {FirstGroup}");
    }

    private void Begin(string step)
    {
        _step = step;
        progress.Step(step);
    }

    /// <summary>
    /// Polls the admin API until <paramref name="reached"/> holds, showing the fleet each time; past the step's
    /// deadline, or when a machine stops, the story ends with <paramref name="what"/> and where the fleet is.
    /// </summary>
    /// <param name="deadline">How long the step may take; <see cref="DemoSettings.StepTimeout"/> when null.</param>
    /// <param name="watch">Sees every view of the fleet on the way, to count what the step's outcome reports.</param>
    private async Task<ServerState> WaitAsync(
        string what, Func<ServerState, bool> reached, CancellationToken cancellationToken, TimeSpan? deadline = null, Action<FleetView>? watch = null)
    {
        var timeout = deadline ?? settings.StepTimeout;
        var began = time.GetTimestamp();
        while (true)
        {
            var state = await admin.ReadAsync(cancellationToken);
            var view = View(state);
            progress.Fleet(view);
            watch?.Invoke(view);
            if (reached(state))
            {
                return state;
            }

            if (Fleet.Failure is { } failure)
            {
                throw Failed($"{what} did not happen: {failure}");
            }

            if (time.GetElapsedTime(began) > timeout)
            {
                var busy = FleetText.Busy(view, MaxBusyInMessage);
                throw Failed($"{what} did not happen within {Seconds(timeout)}; {FleetText.Groups(view)}{(busy.Length > 0 ? "; " + busy : "")}");
            }

            await Task.Delay(s_poll, time, cancellationToken);
        }
    }

    private FleetView View(ServerState state)
    {
        var groups = DemoFleet.Groups.Select(name =>
        {
            var group = state.Group(name);
            return new GroupProgress(
                name,
                group.Version,
                state.In(name).Count(i => i.Version == group.Version),
                Fleet.In(name).Count(),
                group.UpdatesEnabled ? null : group.PausedReason ?? "paused",
                state.Slots(name),
                [.. state.Holders(name).Select(Fleet.NameOf)]);
        }).ToList();
        var busy = Fleet.Machines.Select(m => m.Activity()).Where(a => a.Phase != MachinePhase.Idle).ToList();
        return new FleetView(groups, busy);
    }

    private static bool IsRollback(long? code) => code is { } c && OmahaErrorCodes.WithoutFlags(c) == OmahaErrorCodes.Rollback;

    private CliException Failed(string why) => new($"the demo stopped at \"{_step}\": {why}");

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(span.TotalSeconds < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + " s";
}
