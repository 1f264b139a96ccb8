using Keelson.Agent.Engine;
using Keelson.Agent.Omaha;
using Keelson.Agent.State;
using Keelson.Disks;

namespace Keelson.Agent.Tests.Engine;

public sealed class EngineTransitionsTests
{
    private static readonly UpdateOffer s_offer = new("1.1.0", [new Uri("http://127.0.0.1/p")], 100, "", "", false);
    private static readonly InstalledUpdate s_update = new("1.1.0", UsrSlotName.B, "1.0.0", 100, Guid.Empty);
    private static readonly DateTimeOffset s_at = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>One state of each kind.</summary>
    public static IReadOnlyList<EngineState> OneOfEach { get; } =
    [
        new EngineState.Starting(),
        new EngineState.BootPendingVerdict(UsrSlotName.A, "1.0.0", s_at),
        new EngineState.Idle(s_at),
        new EngineState.Checking(Interactive: false),
        new EngineState.Downloading(s_offer, 0.5),
        new EngineState.Installing(s_offer, 0.5),
        new EngineState.ReportingError(s_offer, new EngineFailure(9, "broke off")),
        new EngineState.UpdateInstalled(s_update),
        new EngineState.WaitingForReboot(s_update, new RebootWait("waiting for the reboot window")),
        new EngineState.Rebooting(UsrSlotName.B, RebootCause.Installed(s_update)),
        new EngineState.RebootFailed(UsrSlotName.B, RebootCause.Installed(s_update), new EngineFailure(1002, "no"), s_at),
    ];

    [Fact]
    public void Every_kind_of_state_has_a_row_and_a_sample()
    {
        Assert.Equal(Enum.GetValues<EngineStateKind>(), OneOfEach.Select(s => s.Kind));
        Assert.Equal(Enum.GetValues<EngineStateKind>().OrderBy(k => k), EngineTransitions.Table.Keys.OrderBy(k => k));
    }

    [Fact]
    public void The_happy_path_and_the_failure_paths_are_all_allowed_moves()
    {
        EngineState[] happy = [OneOfEach[0], OneOfEach[1], OneOfEach[2], OneOfEach[3], OneOfEach[4], OneOfEach[5], OneOfEach[7], OneOfEach[8], OneOfEach[9]];
        EngineState[] failedUpdate = [OneOfEach[2], OneOfEach[3], OneOfEach[4], OneOfEach[6], OneOfEach[2]];
        EngineState[] failedReboot = [OneOfEach[9], OneOfEach[10], OneOfEach[9]];

        foreach (var path in new[] { happy, failedUpdate, failedReboot })
        {
            var state = path[0];
            foreach (var next in path[1..])
            {
                state = EngineTransitions.Check(state, next);
            }

            Assert.Equal(path[^1], state);
        }
    }

    [Fact]
    public void A_move_the_table_does_not_hold_is_refused_by_name()
    {
        var refused = 0;
        foreach (var from in OneOfEach)
        {
            foreach (var to in OneOfEach)
            {
                if (EngineTransitions.IsAllowed(from.Kind, to.Kind))
                {
                    Assert.Same(to, EngineTransitions.Check(from, to));
                    continue;
                }

                var error = Assert.Throws<InvalidOperationException>(() => EngineTransitions.Check(from, to));
                Assert.Equal($"the update engine may not move from {from.Name} to {to.Name}", error.Message);
                refused++;
            }
        }

        // Nothing goes back to starting; a reboot under way is only left by its failure; no update skips its install.
        Assert.False(EngineTransitions.IsAllowed(EngineStateKind.Idle, EngineStateKind.Starting));
        Assert.False(EngineTransitions.IsAllowed(EngineStateKind.Rebooting, EngineStateKind.Idle));
        Assert.False(EngineTransitions.IsAllowed(EngineStateKind.Downloading, EngineStateKind.UpdateInstalled));
        Assert.False(EngineTransitions.IsAllowed(EngineStateKind.Checking, EngineStateKind.UpdateInstalled));
        Assert.True(refused > 90);
    }

    [Fact]
    public void A_failure_is_never_reported_with_the_success_code()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EngineFailure(0, "nothing"));
        Assert.Equal(Keelson.Omaha.OmahaErrorCodes.Error, EngineFailure.From(new UpdateEngineException("old code", 0, isTransient: false)).Code);
    }
}
