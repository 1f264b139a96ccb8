using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Keelson.Dashboard.Tests;

/// <summary>A group's page: its actions act on the server, and machines see the outcome at their next check.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class GroupPageTests(BrowserFixture browser, ITestOutputHelper log)
{
    [Fact]
    public async Task Promoting_beta_from_alpha_on_the_group_page_offers_alpha_version_at_the_next_check_of_a_beta_machine()
    {
        await using var server = await DashboardServer.StartAsync(log);
        var fleet = await SampleFleet.CreateAsync(server, log);
        var machine = fleet.Groups["beta"][0];
        Assert.Equal("noupdate", (await machine.CheckAsync()).Status);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/groups/beta");
        var page = session.Page;

        await page.Locator("select#promote-from").SelectOptionAsync("alpha");
        await page.GetByRole(AriaRole.Button, new() { Name = "Promote", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/groups/beta$"));
        await Expect(page.Locator("p.flash.ok")).ToHaveTextAsync($"Channel beta now serves {SampleFleet.New}, promoted bit for bit from alpha.");

        var check = await machine.CheckAsync();
        Assert.True(check is { Status: "ok", Version: SampleFleet.New }, $"beta machine {machine} was not offered {SampleFleet.New}:\n{check.Xml}");
        var alphaOffer = await fleet.NotYetOffered.CheckAsync();
        Assert.Equal(alphaOffer.Sha256, check.Sha256);

        await session.GotoAsync("/activity");
        await Expect(page.Locator("li[data-kind='ChannelPackageUpdated']").First).ToContainTextAsync($"channel beta promoted from alpha (was {SampleFleet.Old})");
        await session.ScreenshotAsync("activity");
    }

    [Fact]
    public async Task Pausing_a_group_on_its_page_holds_its_machines_until_it_is_resumed()
    {
        await using var server = await DashboardServer.StartAsync(log);
        var fleet = await SampleFleet.CreateAsync(server, log);
        var machine = fleet.NotYetOffered;
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/groups/alpha");
        var page = session.Page;
        var state = page.Locator("p.meta [data-state]");
        await Expect(state).ToHaveAttributeAsync("data-state", "enabled");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause updates" }).ClickAsync();
        await Expect(page.Locator("p.flash.ok")).ToContainTextAsync("Group alpha paused");
        await Expect(state).ToHaveAttributeAsync("data-state", "paused");
        await Expect(state).ToHaveTextAsync("paused");
        Assert.False((await server.GroupAsync("alpha")).GetProperty("updatesEnabled").GetBoolean());

        var held = await machine.CheckAsync();
        Assert.True(held.Status == "noupdate", $"a machine of the paused group was offered an update:\n{held.Xml}");
        await session.GotoAsync("/groups/alpha");
        await Expect(page.Locator("table[data-table='held'] tr[data-machine='" + machine.Id + "']")).ToContainTextAsync("on hold");
        await session.ScreenshotAsync("group");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume updates" }).ClickAsync();
        await Expect(page.Locator("p.flash.ok")).ToHaveTextAsync("Group alpha resumed.");
        await Expect(state).ToHaveAttributeAsync("data-state", "enabled");
        Assert.Equal(SampleFleet.New, await machine.CheckGrantedAsync());
    }

    [Fact]
    public async Task The_pause_button_can_be_reached_with_tab_and_pressed_with_enter()
    {
        await using var server = await DashboardServer.StartAsync(log);
        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/groups/stable");
        var page = session.Page;

        var steps = 0;
        while (await page.EvaluateAsync<string>("() => document.activeElement?.textContent?.trim() ?? ''") != "Pause updates")
        {
            Assert.True(++steps <= 40, "Tab did not reach the pause button in 40 steps");
            await page.Keyboard.PressAsync("Tab");
        }

        log.WriteLine($"the pause button is {steps} Tab presses in");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("p.flash.ok")).ToContainTextAsync("Group stable paused");
        Assert.False((await server.GroupAsync("stable")).GetProperty("updatesEnabled").GetBoolean());
    }
}
