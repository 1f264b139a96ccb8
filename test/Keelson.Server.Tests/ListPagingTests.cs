using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Keelson.Server.Api.Contracts;

namespace Keelson.Server.Tests;

/// <summary>Every list of the admin API comes in pages, so that no answer grows with what others created.</summary>
public sealed class ListPagingTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task No_list_of_the_API_answers_a_bare_array()
    {
        var document = JsonNode.Parse(await _server.Http.GetStringAsync("/openapi/v1.json"))!;

        var lists = 0;
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            var schema = operations!["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"];
            if (schema is null)
            {
                continue;
            }

            Assert.False(schema["type"]?.GetValue<string>() == "array", $"GET {path} answers a bare array, not a page");
            lists += schema["$ref"]?.GetValue<string>().Contains("Page", StringComparison.Ordinal) == true ? 1 : 0;
        }

        // apps, packages, channels, groups, instances, rollout, channel-history, tokens, activity, reboot-locks
        Assert.True(lists >= 10, $"only {lists} paged lists in the OpenAPI document");
    }

    [Fact]
    public async Task Groups_read_page_by_page_by_cursor_are_every_group_once_in_name_order_even_when_one_is_deleted_between_pages()
    {
        foreach (var name in new[] { "g7", "g1", "G5", "g3", "g2", "g6", "g4" })
        {
            await _server.CreateGroupAsync(name, "stable");
        }

        var all = (await _server.ListAsync<GroupInfo>($"{_server.AppPath}/groups")).Select(g => g.Name).ToList();
        Assert.Equal(all.Order(StringComparer.Ordinal), all);

        var seen = new List<string>();
        var first = await PageAsync<GroupInfo>("groups?perPage=3");
        Assert.Equal(all.Count, first.Total);
        Assert.Equal(3, first.Items.Count);
        seen.AddRange(first.Items.Select(g => g.Name));

        // The next page's first group is deleted before it is read: nothing after it is skipped.
        var doomed = all[3];
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.DeleteAsync($"{_server.AppPath}/groups/{doomed}")).StatusCode);
        var after = first.Next;
        while (after is not null)
        {
            var page = await PageAsync<GroupInfo>($"groups?perPage=3&after={Uri.EscapeDataString(after)}");
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(g => g.Name));
            after = page.Next;
        }

        Assert.Equal(all.Where(name => name != doomed), seen);
    }

    [Fact]
    public async Task Packages_come_newest_version_first_across_pages_with_page_numbers_and_with_cursors()
    {
        foreach (var version in new[] { "2512.2.0", "2605.1.0", "2512.10.0", "10.0.0" })
        {
            await _server.PublishAsync(version);
        }

        string[] newestFirst = ["2605.1.0", "2512.10.0", "2512.2.0", "10.0.0"];
        var byNumber = new List<string>();
        for (var number = 1; number <= 3; number++)
        {
            var page = await PageAsync<PackageInfo>($"packages?perPage=2&page={number}");
            Assert.Equal(4, page.Total);
            Assert.Equal(number, page.PageNumber);
            byNumber.AddRange(page.Items.Select(p => p.Version));
        }

        Assert.Equal(newestFirst, byNumber);

        var firstPage = await PageAsync<PackageInfo>("packages?perPage=2");
        Assert.Equal("2512.10.0", firstPage.Next);
        var second = await PageAsync<PackageInfo>($"packages?perPage=2&after={firstPage.Next}");
        Assert.Equal(["2512.2.0", "10.0.0"], second.Items.Select(p => p.Version));
        Assert.Null(second.Next);
    }

    [Theory]
    [InlineData("groups?perPage=0", "perPage")]
    [InlineData("groups?perPage=501", "perPage")]
    [InlineData("packages?page=0", "page")]
    [InlineData("channels?page=first", "page")]
    [InlineData("rollout?perPage=-1", "perPage")]
    public async Task A_wrong_paging_parameter_is_400_naming_it(string query, string parameter)
    {
        using var response = await _server.Http.GetAsync($"{_server.AppPath}/{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_past_the_end_is_empty_with_no_cursor()
    {
        var page = await PageAsync<ChannelInfo>($"channels?page={int.MaxValue}&perPage=500");

        Assert.Empty(page.Items);
        Assert.Null(page.Next);
        Assert.True(page.Total > 0);
    }

    private async Task<Page<T>> PageAsync<T>(string query) =>
        (await _server.Http.GetFromJsonAsync<Page<T>>($"{_server.AppPath}/{query}", TestServer.Json))!;
}
