using Microsoft.Playwright;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Keelson.Dashboard.Tests;

/// <summary>
/// One test's browser: a fresh context (no cookies, no storage) with one page on the test's server. Script errors
/// on the page fail the test when it is disposed; console messages go to the test's output.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };

    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private readonly IBrowserContext _context;
    private readonly DashboardServer _server;
    private readonly List<string> _scriptErrors = [];

    private DashboardBrowser(IBrowserContext context, IPage page, DashboardServer server, ITestOutputHelper log)
    {
        _context = context;
        _server = server;
        Page = page;
        page.Console += (_, message) => Log(log, $"browser console {message.Type}: {message.Text}");
        page.PageError += (_, error) =>
        {
            lock (_scriptErrors)
            {
                _scriptErrors.Add(error);
            }
        };
    }

    public IPage Page { get; }

    public IBrowserContext Context => _context;

    public static async Task<DashboardBrowser> OpenAsync(BrowserFixture browser, DashboardServer server, ITestOutputHelper log, ViewportSize? viewport = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(server);
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Url.ToString(),
            ViewportSize = viewport ?? Desktop,
            Locale = "en-US",
            TimezoneId = "UTC",
            ColorScheme = ColorScheme.Light,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new DashboardBrowser(context, page, server, log);
    }

    /// <summary>Signs in through the form with the server's admin token and lands on <paramref name="returnTo"/>.</summary>
    public async Task SignInAsync(string returnTo = "/")
    {
        await Page.GotoAsync("/signin?returnUrl=" + Uri.EscapeDataString(returnTo));
        await Page.Locator("#token").FillAsync(_server.Token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The page's own assertions wait for what they need; waiting for its every resource ("load") only adds a
        // deadline that a loaded CI machine (QEMU boots beside it) can miss.
        await Page.WaitForURLAsync(new Uri(_server.Url, returnTo).ToString(), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    /// <summary>Opens <paramref name="path"/> and fails unless the server answered 200.</summary>
    public async Task GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        if (response is not { Status: 200 })
        {
            throw new XunitException($"GET {path} answered {response?.Status}; the page is now {Page.Url}");
        }
    }

    /// <summary>Whether the page is wider than the window: document.documentElement.scrollWidth past clientWidth.</summary>
    public async Task<(int ScrollWidth, int ClientWidth)> PageWidthAsync()
    {
        var widths = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        return (widths[0], widths[1]);
    }

    public Task ScreenshotAsync(string name) => Screenshots.SaveAsync(Page, name);

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        string[] errors;
        lock (_scriptErrors)
        {
            errors = [.. _scriptErrors];
        }

        if (errors.Length > 0)
        {
            throw new XunitException("the dashboard's script failed:\n" + string.Join("\n", errors));
        }
    }

    private static void Log(ITestOutputHelper log, string line)
    {
        try
        {
            log.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // A late message after the test ended.
        }
    }
}
