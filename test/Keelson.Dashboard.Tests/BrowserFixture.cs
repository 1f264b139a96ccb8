using Microsoft.Playwright;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// Debian's Chromium, started once for all dashboard tests through Playwright's driver (which the NuGet package
/// carries; Playwright's own browser builds are not used). Each test opens its own browser context in it: its own
/// cookies, storage and cache.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian's <c>chromium</c> package puts the browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] s_arguments =
    [
        // Tests run as root in CI, where Chromium's sandbox cannot start.
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        // Nothing but the test's own server is spoken to.
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    internal IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser has not been started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed: {ChromiumPath} is missing. The dashboard tests drive Debian's browser; install it with 'apt-get install chromium'.");
        }

        // A page shows the outcome of an action at once; the margin is for a small, busy CI machine. Tests of live
        // updates give their own, shorter deadline.
        Assertions.SetDefaultExpectTimeout(10_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = s_arguments,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
