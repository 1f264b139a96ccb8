using System.Diagnostics;
using Xunit.Sdk;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// The one way these tests wait outside the browser: read something until it is what the test waits for, or fail
/// past a deadline with the last value read. (In the browser, Playwright's own expectations wait the same way.)
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> holds, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(holds);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var last = await read();
            if (holds(last))
            {
                return last;
            }

            if (clock.Elapsed > limit)
            {
                throw new XunitException($"{what}: not so after {limit.TotalSeconds:0.#}s; last seen: {last}");
            }

            await Task.Delay(s_pollInterval);
        }
    }
}
