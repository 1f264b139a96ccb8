using System.Globalization;

namespace Keelson.Agent.Engine;

/// <summary>What a reboot waits for, and when it tries again (null when it waits for a time, not for a next try).</summary>
/// <param name="Reason">Why it waits, e.g. <c>waiting for a slot of the reboot lock (...): all 2 slots are held: m1, m2</c>.</param>
public sealed record RebootWait(string Reason, TimeSpan? NextTry = null)
{
    /// <summary>For <c>keelson agent status</c> and the log: the reason and the next try.</summary>
    public string Text => NextTry is { } next
        ? string.Create(CultureInfo.InvariantCulture, $"{Reason}; next try in {next.TotalSeconds:0} s")
        : Reason;

    public override string ToString() => Text;
}
