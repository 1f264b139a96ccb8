namespace Keelson.Cli.Demo;

/// <summary>How <c>keelson demo</c> was asked to run.</summary>
/// <param name="Machines">How many simulated machines, spread over alpha, beta and stable.</param>
/// <param name="Speed">How much faster than the default pace the fleet checks in and each step may take.</param>
/// <param name="DataDirectory">Where the server's database, the releases and the machines go, kept; null for a temporary folder.</param>
/// <param name="Listen">The update service's listen addresses.</param>
/// <param name="ExitWhenDone">End once the story is told instead of serving the dashboard until Ctrl-C.</param>
internal sealed record DemoSettings(int Machines, double Speed, string? DataDirectory, IReadOnlyList<Uri> Listen, bool ExitWhenDone)
{
    public const int MinMachines = 3;
    public const int MaxMachines = 100;
    public const double MinSpeed = 0.1;
    public const double MaxSpeed = 10;

    /// <summary>The agents' check interval at speed 1: the story moves one check at a time, so this sets its pace.</summary>
    private static readonly TimeSpan s_checkInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a simulated machine is down while it reboots, at speed 1: long enough to see the turns.</summary>
    private static readonly TimeSpan s_rebootDowntime = TimeSpan.FromSeconds(1.5);

    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Creating disks, payloads and reading slots with debugfs does not get faster with <see cref="Speed"/>: a
    /// step is never given less than this, so that a fast run on a busy machine is not failed for it.
    /// </summary>
    private static readonly TimeSpan s_minStepTimeout = TimeSpan.FromSeconds(20);

    public TimeSpan CheckInterval => s_checkInterval / Speed;

    public TimeSpan RebootDowntime => s_rebootDowntime / Speed;

    /// <summary>The longest wait of an agent between two tries for a reboot slot (MachineRunner: five check intervals).</summary>
    public TimeSpan LongestLockRetry => CheckInterval * 5;

    /// <summary>How long one step of the story may take before the demo gives up on it.</summary>
    public TimeSpan StepTimeout => s_stepTimeout / Speed > s_minStepTimeout ? s_stepTimeout / Speed : s_minStepTimeout;
}
