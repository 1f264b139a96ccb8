using System.Diagnostics;

namespace Keelson.TestSupport;

/// <summary>Waits for what a test cannot be told about directly: a change reaching another replica, a log line, a metric.</summary>
public static class Eventually
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls <paramref name="condition"/> every 20 ms until it holds; after 30 s throws, naming <paramref name="what"/>
    /// and, when given, what <paramref name="describe"/> says of the state it stopped at.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > s_limit)
            {
                throw new TimeoutException($"not within {s_limit.TotalSeconds:0} s: {what}{(describe is null ? "" : "\n" + describe())}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
