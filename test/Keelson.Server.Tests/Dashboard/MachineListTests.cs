using System.Net;
using System.Net.Http.Json;
using Dapper;
using Keelson.Server.Api.Contracts;
using Keelson.Server.Catalog;
using Keelson.Server.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Keelson.Server.Tests.Dashboard;

/// <summary>
/// The machine list as a large fleet needs it: a search by the start of an id, name, address or version, counted up
/// to <see cref="InstanceQuery.SearchCountLimit"/>, and cursors that continue any sort at any depth.
/// </summary>
public sealed class MachineListTests : IAsyncLifetime
{
    // More machines than a search counts: ff1000001 to ff1010005, seen in the last 3 hours (older ones would be pruned);
    // names "Node-N" on every 7th, errors on every 1,500th.
    private const int Machines = InstanceQuery.SearchCountLimit + 5;
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        var database = _server.Services.GetRequiredService<Database>();
        await database.WriteAsync(
            (c, t) => c.ExecuteAsync(
                """
                WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < @machines)
                INSERT INTO instances (app_id, machine_id, alias, ip, oem, oem_version, board, aleph_version, version, track, group_id,
                    status, first_seen_at, last_check_at)
                SELECT @app, 'ff' || CAST(1000000 + x AS TEXT), CASE WHEN x % 7 = 0 THEN 'Node-' || CAST(x AS TEXT) ELSE '' END,
                    '10.9.' || CAST(x % 250 AS TEXT) || '.' || CAST(x / 250 AS TEXT), '', '', 'amd64-usr', '1.0.0',
                    CASE WHEN x % 3 = 0 THEN '1.1.0' ELSE '1.0.0' END, 'stable', NULL,
                    CASE WHEN x % 1500 = 0 THEN 'Error' ELSE 'Complete' END, @now - 100000 - 1000 * (x % 11), @now - 1000 * (@machines - x)
                FROM n
                """,
                new { machines = Machines, app = TestServer.CoreOsApp, now = _server.Time.GetUtcNow().ToUnixTimeMilliseconds() },
                t),
            CancellationToken.None);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<Page<InstanceInfo>> ListAsync(string query) =>
        (await _server.Http.GetFromJsonAsync<Page<InstanceInfo>>($"{_server.AppPath}/instances?{query}", TestServer.Json))!;

    private static List<string> Ids(Page<InstanceInfo> page) => [.. page.Items.Select(i => i.MachineId)];

    [Fact]
    public async Task A_search_finds_the_start_of_an_id_name_or_address_and_counts_a_broad_one_up_to_the_limit()
    {
        var all = await ListAsync("q=ff");
        Assert.Equal(InstanceQuery.SearchCountLimit, all.Total);
        Assert.True(all.TotalCapped);
        Assert.Equal("ff1010005", all.Items[0].MachineId);            // still sorted by last check, newest first
        Assert.Equal(50, all.Items.Count);

        var few = await ListAsync("q=FF101000&sort=machine");        // an id ignores case
        Assert.False(few.TotalCapped);
        Assert.Equal(["ff1010000", "ff1010001", "ff1010002", "ff1010003", "ff1010004", "ff1010005"], Ids(few));
        Assert.Equal(6, few.Total);

        Assert.Empty(Ids(await ListAsync("q=f101000")));                // the middle of an id is not its start

        var named = await ListAsync("q=node-14&perPage=500&sort=machine");  // a name ignores case
        var expected = Enumerable.Range(1, Machines).Where(x => x % 7 == 0 && $"node-{x}".StartsWith("node-14", StringComparison.Ordinal))
            .Select(x => $"ff{1_000_000 + x}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, Ids(named));
        Assert.Equal(expected.Count, named.Total);

        var address = await ListAsync("q=10.9.17.3&perPage=500&sort=machine");
        Assert.Equal(
            Enumerable.Range(1, Machines).Where(x => $"10.9.{x % 250}.{x / 250}".StartsWith("10.9.17.3", StringComparison.Ordinal))
                .Select(x => $"ff{1_000_000 + x}").Order(StringComparer.Ordinal),
            Ids(address));

        // A broad search with a filter: the filter is exact, the machines match both.
        var failed = await ListAsync("q=ff&status=Error&sort=machine");
        Assert.Equal(Enumerable.Range(1, Machines / 1500).Select(n => $"ff{1_000_000 + (n * 1500)}"), Ids(failed));
    }

    [Fact]
    public async Task A_cursor_continues_every_sort_where_the_page_before_ended()
    {
        foreach (var key in InstanceQuery.SortKeys.Where(k => k != "group"))
        {
            foreach (var sort in new[] { key, "-" + key })
            {
                foreach (var filter in new[] { "status=Error", "q=ff101000", "version=1.1.0&q=ff100999" })
                {
                    var everything = Ids(await ListAsync($"{filter}&sort={sort}&perPage=500"));
                    var walked = new List<string>();
                    var page = await ListAsync($"{filter}&sort={sort}&perPage=2");
                    walked.AddRange(Ids(page));
                    for (var pages = 1; page.Next is not null; pages++)
                    {
                        Assert.True(pages < 10, $"{filter}&sort={sort}: the cursors do not end");
                        page = await ListAsync($"{filter}&sort={sort}&perPage=2&after={page.Next}");
                        walked.AddRange(Ids(page));
                    }

                    Assert.True(everything.Count > 2, $"{filter}: too few machines to page");
                    Assert.Equal(everything, walked);
                }
            }
        }

        // Deep in a broad search, the cursor and the page number agree.
        var first = await ListAsync("q=ff&perPage=100");
        var second = await ListAsync($"q=ff&perPage=100&page=2&after={first.Next}");
        Assert.Equal(Ids(await ListAsync("q=ff&perPage=100&page=2")), Ids(second));
        Assert.Equal(2, second.PageNumber);
    }

    [Fact]
    public async Task A_cursor_of_another_sort_or_not_a_cursor_at_all_is_refused()
    {
        var byMachine = await ListAsync("status=Error&sort=machine&perPage=1");
        foreach (var bad in new[] { $"sort=-machine&after={byMachine.Next}", "after=not-a-cursor", "sort=lastCheck&after=bWFjaGluZQ" })
        {
            var response = await _server.Http.GetAsync($"{_server.AppPath}/instances?{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not a cursor of a list sorted by", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Null((await ListAsync("status=Error&sort=group&perPage=1")).Next);   // the group's name is in another table: pages only
    }
}
