using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Keelson.Dashboard.Tests;

/// <summary>The reboot slots that machines take through FleetLock, and freeing one by hand.</summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "Browser")]
public sealed class RebootSlotsTests(BrowserFixture browser, ITestOutputHelper log)
{
    [Fact]
    public async Task Freeing_a_slot_through_its_confirm_page_leaves_its_group_without_a_holder()
    {
        await using var server = await DashboardServer.StartAsync(log);
        var ids = MachineIds.Create(log);
        var worker = ids.Next();
        var member = ids.Next();
        await server.TakeRebootSlotAsync("workers", worker);
        await server.TakeRebootSlotAsync("etcd", member);

        await using var session = await DashboardBrowser.OpenAsync(browser, server, log);
        await session.SignInAsync("/reboot-slots");
        var page = session.Page;
        var workers = page.Locator("[data-lock-group='workers']");
        await Expect(workers.Locator($"tr[data-holder='{worker}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"[data-lock-group='etcd'] tr[data-holder='{member}']")).ToBeVisibleAsync();
        await session.ScreenshotAsync("reboot-slots");

        await workers.Locator($"tr[data-holder='{worker}']").GetByRole(AriaRole.Link, new() { Name = "Free…" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/reboot-slots/workers/free/{worker}$"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Free the slot" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/reboot-slots$"));
        await Expect(page.Locator("p.flash.ok")).ToHaveTextAsync($"The reboot slot that {worker} held in workers is free.");
        await Expect(workers.Locator("tr[data-holder]")).ToHaveCountAsync(0);

        var locks = (await server.RebootLocksAsync()).GetProperty("items").EnumerateArray().ToDictionary(
            g => g.GetProperty("group").GetString()!,
            g => g.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("id").GetString()!).ToArray());
        Assert.Empty(locks["workers"]);
        Assert.Equal([member], locks["etcd"]);
    }
}
