using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Keelson.Dashboard.Tests;

/// <summary>The overview: channels, and every group's rollout bar, kept live.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class OverviewTests(BrowserFixture browser, ITestOutputHelper log)
{
    /// <summary>The rollout bar's stages (data-stage) and the fields of the rollout API that count them.</summary>
    private static readonly (string Stage, string Field)[] s_stages =
        [("on-target", "onTarget"), ("updating", "updating"), ("on-hold", "onHold"), ("failed", "failed"), ("not-offered", "notYetOffered")];

    /// <summary>How long a change may take to show on an open page: the server looks twice a second, the page fetches itself.</summary>
    private static readonly LocatorAssertionsToHaveTextOptions s_live = new() { Timeout = 5_000 };

    [Fact]
    public async Task Every_group_rollout_bar_counts_each_stage_as_the_rollout_api_does()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await SampleFleet.CreateAsync(server, log);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync();
        var page = session.Page;

        var rollout = await server.RolloutAsync();
        var alpha = SampleFleet.Progress(rollout, "alpha");
        Assert.Equal([2, 1, 0, 1, 1], s_stages.Select(s => alpha.GetProperty(s.Field).GetInt64()));
        Assert.Equal(1, SampleFleet.Progress(rollout, "edge").GetProperty("onHold").GetInt64());

        var groups = rollout.EnumerateArray().Select(g => g.GetProperty("group").GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["alpha", "beta", "edge", "stable"], groups);
        await Expect(page.Locator("article[data-group]")).ToHaveCountAsync(groups.Length);
        foreach (var group in groups)
        {
            var progress = SampleFleet.Progress(rollout, group);
            var card = page.Locator($"article[data-group='{group}']");
            await Expect(card.Locator(".rollout")).ToHaveAttributeAsync("data-total", progress.GetProperty("total").GetInt64().ToString(CultureInfo.InvariantCulture));
            foreach (var (stage, field) in s_stages)
            {
                await Expect(card.Locator($"li[data-stage='{stage}']"))
                    .ToHaveAttributeAsync("data-count", progress.GetProperty(field).GetInt64().ToString(CultureInfo.InvariantCulture));
            }
        }

        foreach (var channel in (await server.ChannelsAsync()).EnumerateArray())
        {
            await Expect(page.Locator($"tr[data-channel='{channel.GetProperty("name").GetString()}'] td.version"))
                .ToHaveTextAsync(channel.GetProperty("version").GetString()!);
        }

        await session.ScreenshotAsync("overview");
    }

    [Fact]
    public async Task A_change_in_the_fleet_shows_on_the_open_overview_without_a_reload()
    {
        await using var server = await DashboardServer.StartAsync(log);
        var ids = MachineIds.Create(log);
        await server.PublishAsync(SampleFleet.Old);
        await server.PublishAsync(SampleFleet.New);
        await server.SetChannelAsync("stable", SampleFleet.Old);
        await server.SetChannelAsync("beta", SampleFleet.Old);
        await server.Machine(ids.Next(), "beta", SampleFleet.Old).CheckAsync();
        await Eventually.UntilAsync(server.RolloutAsync, r => SampleFleet.Progress(r, "beta").GetProperty("total").GetInt64() == 1, "beta counts its machine");

        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync();
        var page = session.Page;
        var beta = page.Locator("article[data-group='beta']");
        await Expect(beta.Locator(".rollout")).ToHaveAttributeAsync("data-total", "1");
        // Changes are announced only to a page that listens: wait until it does ("Live · watching..." or, after a
        // refresh, "Live · updated ..."), then mark this very document.
        await Expect(page.Locator("[data-live-state]")).ToHaveTextAsync(new Regex("^Live · "));
        await page.EvaluateAsync("() => { window.__marker = 1; }");
        var navigations = 0;
        page.FrameNavigated += (_, frame) =>
        {
            if (frame == page.MainFrame)
            {
                Interlocked.Increment(ref navigations);
            }
        };

        await server.SetChannelAsync("stable", SampleFleet.New);
        await Expect(page.Locator("tr[data-channel='stable'] td.version")).ToHaveTextAsync(SampleFleet.New, s_live);

        await server.Machine(ids.Next(), "beta", SampleFleet.Old).CheckAsync();
        await Expect(beta.Locator("li[data-stage='on-target'] strong")).ToHaveTextAsync("2", s_live);
        await Expect(beta.Locator(".rollout")).ToHaveAttributeAsync("data-total", "2");

        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__marker ?? 0"));
        Assert.Equal(0, Volatile.Read(ref navigations));
    }

    [Fact]
    public async Task The_pages_fit_a_desktop_and_a_phone_screen_without_scrolling_sideways()
    {
        await using var server = await DashboardServer.StartAsync(log);
        var fleet = await SampleFleet.CreateAsync(server, log);
        await server.TakeRebootSlotAsync("workers", fleet.RolledBack.Id);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync();
        var page = session.Page;

        await Expect(page.Locator("article[data-group]")).ToHaveCountAsync(4);
        await AssertFitsAsync(session, "/", DashboardBrowser.Desktop);

        await page.SetViewportSizeAsync(DashboardBrowser.Phone.Width, DashboardBrowser.Phone.Height);
        await AssertFitsAsync(session, "/", DashboardBrowser.Phone);
        await session.ScreenshotAsync("overview-phone");
        foreach (var path in new[] { "/groups/alpha", "/machines", $"/machines/{fleet.RolledBack.Id}", "/activity", "/reboot-slots" })
        {
            await session.GotoAsync(path);
            await AssertFitsAsync(session, path, DashboardBrowser.Phone);
        }
    }

    private static async Task AssertFitsAsync(DashboardBrowser session, string path, ViewportSize viewport)
    {
        var (scrollWidth, clientWidth) = await session.PageWidthAsync();
        Assert.True(scrollWidth <= clientWidth,
            $"{path} at {viewport.Width}x{viewport.Height} scrolls sideways: the page is {scrollWidth}px wide in a {clientWidth}px window");
    }
}
