using System.Globalization;
using System.Text;

namespace Keelson.Coordination.Locks;

/// <summary>What locksmithctl prints, line for line, so that scripts written against it read Keelson the same.</summary>
public static class LocksmithFormat
{
    /// <summary>
    /// <c>locksmithctl status</c>: <c>Available: N</c> and <c>Max: N</c>, then, when the semaphore has holders, an
    /// empty line, <c>MACHINE ID</c> and one holder per line.
    /// </summary>
    public static string Status(SemaphoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder()
            .Append("Available: ").Append(state.Available.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("Max: ").Append(state.Max.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (state.Holders.Count > 0)
        {
            text.Append('\n').Append("MACHINE ID").Append('\n');
            foreach (var holder in state.Holders)
            {
                text.Append(holder).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary><c>locksmithctl set-max N</c>: <c>Old-Max: x</c> and <c>Max: y</c>.</summary>
    public static string SetMax(int oldMax, int newMax) =>
        string.Create(CultureInfo.InvariantCulture, $"Old-Max: {oldMax}\nMax: {newMax}\n");

    /// <summary>
    /// locksmith's error for a refused change: <c>semaphore is at 0</c>, <c>holder exists</c> or
    /// <c>holder does not exist</c>; empty when the change was made.
    /// </summary>
    public static string Refusal(SemaphoreChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return change.Outcome switch
        {
            SemaphoreOutcome.AtZero => string.Create(CultureInfo.InvariantCulture, $"semaphore is at {change.State.Available}"),
            SemaphoreOutcome.AlreadyHeld => "holder exists",
            SemaphoreOutcome.NotHeld => "holder does not exist",
            _ => "",
        };
    }
}
