using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Keelson.Dashboard.Tests;

/// <summary>The machines list and a machine's own page.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class MachinePagesTests(BrowserFixture browser, ITestOutputHelper log)
{
    private const int PageSize = 50;

    [Fact]
    public async Task A_machine_page_shows_its_update_and_the_rollback_with_the_error_named()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await server.PublishAsync(SampleFleet.Old);
        await server.PublishAsync(SampleFleet.New);
        await server.SetChannelAsync("stable", SampleFleet.New);
        var machine = server.Machine(MachineIds.Create(log).Next(), "stable", SampleFleet.Old, "db-1");
        Assert.Equal(SampleFleet.New, await machine.InstallAsync());
        var afterRollback = await machine.RollBackAsync();
        Assert.Equal("noupdate", afterRollback.Status);

        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync();
        await session.GotoAsync($"/machines/{machine.Id}");
        var page = session.Page;
        await Expect(page.Locator("h1")).ToContainTextAsync(machine.Id);
        await Expect(page.Locator("dd[data-version]")).ToHaveTextAsync(SampleFleet.Old);
        await Expect(page.Locator("dd[data-error]")).ToHaveTextAsync("rollback (44)");

        var api = (await server.InstanceAsync(machine.Id)).GetProperty("history").EnumerateArray().ToArray();
        var rows = page.Locator("table[data-table='history'] tbody tr");
        await Expect(rows).ToHaveCountAsync(api.Length);
        Assert.Equal(
            api.Select(h => h.GetProperty("status").GetString()),
            await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.status)"));
        Assert.Equal(["OnHold", "Error", "Installed", "Downloaded", "Downloading", "UpdateGranted"], api.Select(h => h.GetProperty("status").GetString()));

        var rollback = page.Locator("table[data-table='history'] tr[data-status='Error']");
        await Expect(rollback.Locator("td").Nth(4)).ToHaveTextAsync("rollback (44)");
        await Expect(rollback).ToContainTextAsync($"rolled back from {SampleFleet.New} to {SampleFleet.Old}");
        await session.ScreenshotAsync("machine");
    }

    [Fact]
    public async Task The_machines_page_searches_filters_sorts_and_pages_as_the_api_does()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await server.PublishAsync(SampleFleet.Old);
        await server.PublishAsync(SampleFleet.New);
        await server.SetChannelAsync("stable", SampleFleet.New);
        await server.SetChannelAsync("beta", SampleFleet.Old);
        await server.SetChannelAsync("alpha", SampleFleet.New);
        var ids = MachineIds.Create(log);
        var count = 0;
        for (var i = 1; i <= 22; i++)
        {
            var web = server.Machine(ids.Next(), "stable", SampleFleet.Old, $"web-{i:00}");
            await web.CheckGrantedAsync();
            if (i % 4 == 0)
            {
                await web.ReportAsync(UpdateEngineEvent.DownloadStarted);
            }

            // On beta (at Old) a machine already on New is not offered anything either.
            await server.Machine(ids.Next(), "beta", i % 3 == 0 ? SampleFleet.New : SampleFleet.Old, $"db-{i:00}").CheckAsync();
            await server.Machine(ids.Next(), "alpha", SampleFleet.New, $"cache-{i:00}").CheckAsync();
            count += 3;
        }

        await Eventually.UntilAsync(() => server.InstancesAsync(""), page => page.GetProperty("total").GetInt64() == count, $"the API lists {count} machines");
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/machines");
        var page = session.Page;

        // Paging: the first page, then the next, hold every machine once, in the API's order.
        var firstPage = await ShowsAsync(page, server, "sort=-lastCheck&page=1", PageSize, checkUrl: false);
        await session.ScreenshotAsync("machines");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next →" }).ClickAsync();
        var secondPage = await ShowsAsync(page, server, "sort=-lastCheck&page=2", count - PageSize);
        await Expect(page.Locator("p.meta[data-total]")).ToHaveTextAsync($"51–{count} of {count} machines");
        Assert.Equal(count, firstPage.Concat(secondPage).Distinct().Count());

        // Search.
        await page.Locator("#q").FillAsync("web-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await ShowsAsync(page, server, "q=web-1&sort=-lastCheck", 10);

        // A status filter, with the search kept.
        await page.Locator("#q").FillAsync("web");
        await page.Locator("#status").SelectOptionAsync("Downloading");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await ShowsAsync(page, server, "q=web&status=Downloading&sort=-lastCheck", 5);

        // Sorting by a column, then the other way, over everything.
        await session.GotoAsync("/machines?status=Undefined");
        await page.GetByRole(AriaRole.Link, new() { Name = "Version" }).ClickAsync();
        await ShowsAsync(page, server, "status=Undefined&sort=version", 44);
        await page.GetByRole(AriaRole.Link, new() { Name = "Version" }).ClickAsync();
        var descending = await ShowsAsync(page, server, "status=Undefined&sort=-version", 44);
        await Expect(page.Locator("th[aria-sort='descending']")).ToContainTextAsync("Version");
        Assert.Equal(SampleFleet.New, (await server.InstanceAsync(descending[0])).GetProperty("instance").GetProperty("version").GetString());

        await page.GetByRole(AriaRole.Link, new() { Name = "Name" }).ClickAsync();
        await ShowsAsync(page, server, "status=Undefined&sort=alias", 44);
    }

    /// <summary>
    /// Waits for the page to be the one of <paramref name="query"/> and checks that it lists what the API lists for
    /// the same query: the same machines in the same order, and the same total.
    /// </summary>
    private static async Task<string[]> ShowsAsync(IPage page, DashboardServer server, string query, int expectedRows, bool checkUrl = true)
    {
        var parameters = query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        foreach (var (name, value) in checkUrl ? parameters : [])
        {
            await Expect(page).ToHaveURLAsync(new Regex($"[?&]{Regex.Escape(name)}={Regex.Escape(Uri.EscapeDataString(value))}(&|$)"));
        }

        var api = await server.InstancesAsync(query);
        var expected = api.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("machineId").GetString()!).ToArray();
        Assert.Equal(expectedRows, expected.Length);
        var rows = page.Locator("table[data-table='machines'] tbody tr[data-machine]");
        await Expect(rows).ToHaveCountAsync(expected.Length);
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.machine)");
        Assert.Equal(expected, shown);
        await Expect(page.Locator("p.meta[data-total]"))
            .ToHaveAttributeAsync("data-total", api.GetProperty("total").GetInt64().ToString(CultureInfo.InvariantCulture));
        return shown;
    }
}
