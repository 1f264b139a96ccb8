using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Keelson.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Keelson.Discovery.Tests;

/// <summary>
/// The discovery protocol over HTTP, as etcd 3.4 members speak it (reference: discovery.md), against each store:
/// <see cref="SqliteKeysApiTests"/> and <see cref="EtcdKeysApiTests"/> run every test here.
/// </summary>
public abstract class KeysApiTests : IAsyncLifetime
{
    private const string MemberA = "8e9e05c52164694d";
    private const string MemberB = "91bc3c398fb3c146";
    private const string MemberC = "fd422379fda50e48";

    private readonly List<DiscoveryHost> _hosts = [];
    private readonly List<TestStore> _stores = [];

    public static TheoryData<string, string, string?, int, int> BadInput => new()
    {
        { "GET", "/NOT-A-TOKEN", null, 400, 209 },
        { "GET", "/{TOKEN}", null, 400, 209 },
        { "GET", "/{token}?recursive=maybe", null, 400, 209 },
        { "GET", "/{token}?sorted=2", null, 400, 209 },
        { "GET", "/{token}?wait=true&waitIndex=abc", null, 400, 203 },
        { "GET", "/{token}?wait=true&waitIndex=-1", null, 400, 203 },
        { "GET", "/{token}/a%20b", null, 400, 209 },
        { "PUT", "/{token}/abc?prevExist=false", new string('x', 4097), 400, 209 },
        { "PUT", "/{token}/abc", "", 400, 200 },
        { "PUT", "/{token}/abc", "m=http://127.0.0.1:2380\n", 400, 209 },
        { "PUT", "/{token}/abc?prevExist=maybe", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/abc?dir=true", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/abc?ttl=5", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/abc?prevValue=x", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/_config/size", "5", 400, 209 },
        { "PUT", "/{token}/_hidden", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/a/b", "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}/" + new string('a', 65), "m=http://127.0.0.1:2380", 400, 209 },
        { "PUT", "/{token}", "m=http://127.0.0.1:2380", 403, 102 },
        { "PUT", "/NOT-A-TOKEN/abc", "m=http://127.0.0.1:2380", 400, 209 },
        { "DELETE", "/{token}", null, 403, 102 },
        { "DELETE", "/{token}/_config", null, 400, 209 },
        { "DELETE", "/{token}/" + MemberA + "?dir=true", null, 400, 209 },
        { "POST", "/{token}", "m=http://127.0.0.1:2380", 405, 209 },
    };

    /// <summary>A store of the kind the derived class tests, new for the calling test.</summary>
    protected abstract TestStore CreateStore();

    [Fact]
    public async Task New_answers_a_token_url_and_the_token_holds_its_size()
    {
        var host = await StartAsync();

        var answer = await host.GetAsync("/new");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/plain", answer.ContentType);
        Assert.Equal(1, answer.Index);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(host.BaseUrl.ToString())}[0-9a-f]{{32}}$", answer.Body);
        var token = new Uri(answer.Body).Segments[^1];

        var size = await host.GetAsync($"/{token}/_config/size?quorum=false&recursive=false&sorted=false");
        Assert.Equal(HttpStatusCode.OK, size.Status);
        Assert.Equal(1, size.Index);
        Assert.Equal("get", size.Json.GetProperty("action").GetString());
        AssertNode(size.Node, $"/{token}/_config/size", "3", created: 1, modified: 1);

        foreach (var (query, expected) in new[] { ("?size=1", "1"), ("?size=99", "99"), ("?size=5", "5") })
        {
            var other = new Uri((await host.GetAsync("/new" + query)).Body).Segments[^1];
            Assert.NotEqual(token, other);
            Assert.Equal(expected, (await host.GetAsync($"/{other}/_config/size")).Node.GetProperty("value").GetString());
        }

        var posted = await host.SendAsync(HttpMethod.Post, "/new?size=7");
        Assert.Equal(HttpStatusCode.OK, posted.Status);
    }

    [Fact]
    public async Task New_puts_the_public_url_before_the_token()
    {
        var host = await StartAsync(options => options.PublicUrl = new Uri("https://discovery.example.test/keelson/"));

        var answer = await host.GetAsync("/new?size=3");

        Assert.Matches("^https://discovery.example.test/keelson/[0-9a-f]{32}$", answer.Body);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("100")]
    [InlineData("-1")]
    [InlineData("3.5")]
    [InlineData("")]
    [InlineData("%203")]
    [InlineData("99999999999")]
    public async Task New_refuses_a_size_that_is_not_a_whole_number_from_1_to_99(string size)
    {
        var host = await StartAsync();

        var answer = await host.GetAsync($"/new?size={size}");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(209, answer.ErrorCode);
        Assert.StartsWith("size: '", answer.Cause, StringComparison.Ordinal);
        Assert.Contains("is not a whole number from 1 to 99", answer.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_registers_and_finds_its_peers_as_etcd_3_4_does()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync(3);

        // 1-2: the size, then the token (not recursive): nobody yet, at index 1.
        Assert.Equal("3", (await host.GetAsync($"/{token}/_config/size?quorum=false&recursive=false&sorted=false")).Node.GetProperty("value").GetString());
        var empty = await host.GetAsync($"/{token}?quorum=false&recursive=false&sorted=false");
        Assert.Equal(HttpStatusCode.OK, empty.Status);
        Assert.Equal(1, empty.Index);
        Assert.Equal($"/{token}", empty.Node.GetProperty("key").GetString());
        Assert.True(empty.Node.GetProperty("dir").GetBoolean());
        Assert.False(empty.Node.TryGetProperty("nodes", out _));

        // 3: create self.
        var created = await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(2, created.Index);
        Assert.Equal("create", created.Json.GetProperty("action").GetString());
        Assert.False(created.Json.TryGetProperty("prevNode", out _));
        AssertNode(created.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);

        // 4: the watch on self from its created index answers at once.
        var self = await host.GetAsync($"/{token}/{MemberA}?recursive=false&wait=true&waitIndex=2");
        Assert.Equal(HttpStatusCode.OK, self.Status);
        AssertNode(self.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);

        // 5: the token lists self.
        var listed = await host.GetAsync($"/{token}?quorum=false&recursive=false&sorted=false");
        Assert.Equal(2, listed.Index);
        AssertNode(Assert.Single(listed.Node.GetProperty("nodes").EnumerateArray()), $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);

        // 6: the recursive watch from X-Etcd-Index + 1 is held until the next member registers.
        var watch = host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex={listed.Index + 1}");
        Assert.Equal(HttpStatusCode.Created, (await host.PutAsync($"/{token}/{MemberB}?prevExist=false", "infra1=http://10.0.1.11:2380")).Status);
        var seen = await watch;
        Assert.Equal(HttpStatusCode.OK, seen.Status);
        Assert.Equal("create", seen.Json.GetProperty("action").GetString());
        AssertNode(seen.Node, $"/{token}/{MemberB}", "infra1=http://10.0.1.11:2380", created: 3, modified: 3);
    }

    [Fact]
    public async Task A_second_registration_of_a_member_is_412_105_and_changes_nothing()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");

        var again = await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra9=http://10.0.1.99:2380");

        Assert.Equal(HttpStatusCode.PreconditionFailed, again.Status);
        Assert.Equal("application/json", again.ContentType);
        Assert.Equal(105, again.ErrorCode);
        Assert.Equal("Key already exists", again.Json.GetProperty("message").GetString());
        Assert.Equal($"/{token}/{MemberA}", again.Cause);
        Assert.Equal(2, again.Json.GetProperty("index").GetInt64());
        Assert.Equal(2, again.Index);
        var member = await host.GetAsync($"/{token}/{MemberA}");
        Assert.Equal(2, member.Index);
        AssertNode(member.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);
    }

    [Fact]
    public async Task A_token_that_does_not_exist_is_404_100_everywhere()
    {
        var host = await StartAsync();
        var token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        foreach (var answer in new[]
        {
            await host.GetAsync($"/{token}/_config/size"),
            await host.GetAsync($"/{token}"),
            await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=2"),
            await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380"),
            await host.DeleteAsync($"/{token}/{MemberA}"),
        })
        {
            Assert.True(answer.Status == HttpStatusCode.NotFound, answer.ToString());
            Assert.Equal(100, answer.ErrorCode);
            Assert.Equal("Key not found", answer.Json.GetProperty("message").GetString());
            Assert.StartsWith($"/{token}", answer.Cause, StringComparison.Ordinal);
            Assert.Equal(0, answer.Index);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync($"/{token}")).Status);
    }

    [Fact]
    public async Task A_member_key_that_does_not_exist_is_404_100_with_the_current_index()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");

        var missing = await host.GetAsync($"/{token}/{MemberB}");

        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(100, missing.ErrorCode);
        Assert.Equal($"/{token}/{MemberB}", missing.Cause);
        Assert.Equal(2, missing.Index);
    }

    [Fact]
    public async Task Hidden_keys_stay_out_of_listings_and_recursive_watches()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");

        foreach (var query in new[] { "", "?recursive=true", "?recursive=true&sorted=true" })
        {
            var listed = await host.GetAsync($"/{token}{query}");
            Assert.Equal([$"/{token}/{MemberA}"], listed.Node.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("key").GetString()));
        }

        var config = await host.GetAsync($"/{token}/_config");
        Assert.True(config.Node.GetProperty("dir").GetBoolean());
        AssertNode(Assert.Single(config.Node.GetProperty("nodes").EnumerateArray()), $"/{token}/_config/size", "3", created: 1, modified: 1);

        // The size was created at index 1, but a recursive watch of the token skips it.
        var recursive = await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=1");
        AssertNode(recursive.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);
        // A watch of the hidden key itself sees it.
        var exact = await host.GetAsync($"/{token}/_config/size?wait=true&waitIndex=1");
        AssertNode(exact.Node, $"/{token}/_config/size", "3", created: 1, modified: 1);
    }

    [Fact]
    public async Task A_watch_is_answered_from_history_when_its_event_is_there()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        foreach (var (member, name) in new[] { (MemberA, "infra0"), (MemberB, "infra1"), (MemberC, "infra2") })
        {
            await host.PutAsync($"/{token}/{member}?prevExist=false", $"{name}=http://10.0.0.1:2380");
        }

        var third = await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=3");
        Assert.Equal(4, third.Index);
        AssertNode(third.Node, $"/{token}/{MemberB}", "infra1=http://10.0.0.1:2380", created: 3, modified: 3);

        // Not recursive on one key: the first of its events at or after the index.
        var keyed = await host.GetAsync($"/{token}/{MemberC}?wait=true&waitIndex=2");
        AssertNode(keyed.Node, $"/{token}/{MemberC}", "infra2=http://10.0.0.1:2380", created: 4, modified: 4);
    }

    [Fact]
    public async Task A_watch_with_nothing_to_answer_is_held_until_a_change()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();

        // No waitIndex: from the next change on - so the change is made once the watch is held, not before.
        var watch = host.GetAsync($"/{token}?recursive=true&wait=true");
        await Eventually.HoldsAsync(() => Task.FromResult(host.HeldWatches == 1), "the host holds the watch");
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        var seen = await watch;

        Assert.Equal(HttpStatusCode.OK, seen.Status);
        AssertNode(seen.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);
    }

    [Fact]
    public async Task A_long_poll_that_sees_no_change_ends_with_an_empty_200_after_the_watch_timeout()
    {
        var host = await StartAsync(options => options.WatchTimeout = TimeSpan.FromMilliseconds(400));
        var token = await host.NewTokenAsync();
        var clock = Stopwatch.StartNew();

        var answer = await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=2");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"answered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("", answer.Body);
        Assert.Equal(1, answer.Index);
    }

    [Fact]
    public async Task A_watch_older_than_the_last_1000_events_is_outdated()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        for (var i = 0; i < 1000; i++)
        {
            var set = await host.PutAsync($"/{token}/{MemberA}", $"infra0=http://10.0.1.10:{3000 + i}");
            Assert.True(set.Status == HttpStatusCode.OK, set.ToString());
        }

        // Index 1002: events 3..1002 are kept.
        var outdated = await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=2");
        Assert.Equal(HttpStatusCode.BadRequest, outdated.Status);
        Assert.Equal(401, outdated.ErrorCode);
        Assert.Equal("The event in requested index is outdated and cleared", outdated.Json.GetProperty("message").GetString());
        Assert.Equal("the requested history has been cleared [3/2]", outdated.Cause);
        Assert.Equal(1002, outdated.Index);

        var oldest = await host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=3");
        Assert.Equal("set", oldest.Json.GetProperty("action").GetString());
        AssertNode(oldest.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.10:3000", created: 2, modified: 3);
        Assert.Equal("infra0=http://10.0.1.10:2380", oldest.Json.GetProperty("prevNode").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Registrations_past_the_size_are_taken_up_to_the_extra_allowance_then_refused_with_403_103()
    {
        var host = await StartAsync(options => options.ExtraMembers = 1);
        var token = await host.NewTokenAsync(2);
        string[] members = [MemberA, MemberB, MemberC];
        foreach (var member in members)
        {
            Assert.Equal(HttpStatusCode.Created, (await host.PutAsync($"/{token}/{member}?prevExist=false", $"{member}=http://10.0.0.1:2380")).Status);
        }

        var refused = await host.PutAsync($"/{token}/0123456789abcdef?prevExist=false", "late=http://10.0.0.9:2380");

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(103, refused.ErrorCode);
        Assert.Contains("the token is for 2 members and already holds 3 registrations", refused.Cause, StringComparison.Ordinal);
        Assert.Equal(4, refused.Index);
        var listed = await host.GetAsync($"/{token}");
        Assert.Equal(4, listed.Index);
        Assert.Equal(3, listed.Node.GetProperty("nodes").GetArrayLength());
        // A registered member may still change its own key.
        Assert.Equal(HttpStatusCode.OK, (await host.PutAsync($"/{token}/{MemberA}?prevExist=true", "infra0=http://10.0.0.2:2380")).Status);
    }

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_refused_with_a_v2_error_and_changes_nothing(string method, string path, string? value, int status, int errorCode)
    {
        ArgumentNullException.ThrowIfNull(path);
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        var content = value is null ? null : new FormUrlEncodedContent([new KeyValuePair<string, string>("value", value)]);

        var answer = await host.SendAsync(new HttpMethod(method), path.Replace("{token}", token, StringComparison.Ordinal).Replace("{TOKEN}", token.ToUpperInvariant(), StringComparison.Ordinal), content);

        Assert.True((int)answer.Status == status, answer.ToString());
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(errorCode, answer.ErrorCode);
        Assert.NotEmpty(answer.Cause);
        Assert.NotNull(answer.Index);
        var after = await host.GetAsync($"/{token}?recursive=true");
        Assert.Equal(2, after.Index);
        AssertNode(Assert.Single(after.Node.GetProperty("nodes").EnumerateArray()), $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);
    }

    [Fact]
    public async Task An_oversized_request_body_is_refused_with_413_and_changes_nothing()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();

        var answer = await host.PutAsync($"/{token}/{MemberA}?prevExist=false", new string('x', 100 * 1024));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal(210, answer.ErrorCode);
        Assert.Equal(1, (await host.GetAsync($"/{token}")).Index);
    }

    [Fact]
    public async Task Set_update_and_delete_follow_the_keys_api()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();

        var set = await host.PutAsync($"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380");
        Assert.Equal(HttpStatusCode.Created, set.Status);
        Assert.Equal("set", set.Json.GetProperty("action").GetString());

        var update = await host.PutAsync($"/{token}/{MemberA}?prevExist=true", "infra0=http://10.0.1.20:2380");
        Assert.Equal(HttpStatusCode.OK, update.Status);
        Assert.Equal("update", update.Json.GetProperty("action").GetString());
        AssertNode(update.Node, $"/{token}/{MemberA}", "infra0=http://10.0.1.20:2380", created: 2, modified: 3);
        AssertNode(update.Json.GetProperty("prevNode"), $"/{token}/{MemberA}", "infra0=http://10.0.1.10:2380", created: 2, modified: 2);

        var missing = await host.PutAsync($"/{token}/{MemberB}?prevExist=true", "infra1=http://10.0.1.11:2380");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(100, missing.ErrorCode);

        var watch = host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=4");
        var deleted = await host.DeleteAsync($"/{token}/{MemberA}");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal(4, deleted.Index);
        Assert.Equal("delete", deleted.Json.GetProperty("action").GetString());
        Assert.False(deleted.Node.TryGetProperty("value", out _));
        Assert.Equal(4, deleted.Node.GetProperty("modifiedIndex").GetInt64());
        Assert.Equal(2, deleted.Node.GetProperty("createdIndex").GetInt64());
        AssertNode(deleted.Json.GetProperty("prevNode"), $"/{token}/{MemberA}", "infra0=http://10.0.1.20:2380", created: 2, modified: 3);
        Assert.Equal("delete", (await watch).Json.GetProperty("action").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync($"/{token}/{MemberA}")).Status);
        Assert.False((await host.GetAsync($"/{token}")).Node.TryGetProperty("nodes", out _));
        // The place is free again.
        Assert.Equal(HttpStatusCode.Created, (await host.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380")).Status);
    }

    [Fact]
    public async Task Concurrent_registrations_get_distinct_indexes()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync(12);

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => host.PutAsync($"/{token}/member{i}?prevExist=false", $"m{i}=http://10.0.0.{i}:2380")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Equal(Enumerable.Range(2, 12).Select(i => (long)i), answers.Select(a => a.Node.GetProperty("createdIndex").GetInt64()).Order());
        var listed = await host.GetAsync($"/{token}");
        Assert.Equal(13, listed.Index);
        Assert.Equal(12, listed.Node.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task Health_answers_OK_while_the_store_works()
    {
        var host = await StartAsync();

        var answer = await host.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("OK", answer.Body);
    }

    [Fact]
    public async Task A_restart_on_the_same_store_loses_nothing()
    {
        var store = Track(CreateStore());
        var first = await StartAsync(store: store);
        var token = await first.NewTokenAsync();
        await first.PutAsync($"/{token}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        await first.PutAsync($"/{token}/{MemberB}?prevExist=false", "infra1=http://10.0.1.11:2380");
        await first.DisposeAsync();

        var second = await StartAsync(store: store);

        var listed = await second.GetAsync($"/{token}");
        Assert.Equal(3, listed.Index);
        Assert.Equal([MemberA, MemberB], listed.Node.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("key").GetString()!.Split('/')[^1]));
        var third = await second.PutAsync($"/{token}/{MemberC}?prevExist=false", "infra2=http://10.0.1.12:2380");
        Assert.Equal(4, third.Node.GetProperty("createdIndex").GetInt64());
        Assert.Equal("3", (await second.GetAsync($"/{token}/_config/size")).Node.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Stopping_the_service_ends_held_watches_with_an_empty_200()
    {
        var host = await StartAsync();
        var token = await host.NewTokenAsync();
        var watch = host.GetAsync($"/{token}?recursive=true&wait=true&waitIndex=2");
        await Eventually.HoldsAsync(() => Task.FromResult(host.HeldWatches == 1), "the host holds the watch");

        var clock = Stopwatch.StartNew();
        await host.StopAsync();
        var answer = await watch;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the watch ended {clock.Elapsed} after the stop");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("", answer.Body);
    }

    [Fact]
    public async Task Tokens_older_than_the_age_limit_are_deleted_with_their_members()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        // The collector's own schedule is pushed out of the way: this test collects by hand.
        var host = await StartAsync(
            options =>
            {
                options.TokenMaxAge = TimeSpan.FromDays(7);
                options.CollectionInterval = TimeSpan.FromDays(30);
            },
            time);
        var old = await host.NewTokenAsync();
        await host.PutAsync($"/{old}/{MemberA}?prevExist=false", "infra0=http://10.0.1.10:2380");
        time.Advance(TimeSpan.FromDays(3));
        var young = await host.NewTokenAsync();

        time.Advance(TimeSpan.FromDays(4) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await DiscoveryService.CollectTokensAsync(host.App));
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/{old}")).Status);

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await DiscoveryService.CollectTokensAsync(host.App));

        var gone = await host.GetAsync($"/{old}/{MemberA}");
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal(100, gone.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync($"/{old}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync($"/{young}")).Status);
    }

    [Fact]
    public async Task The_collector_runs_by_itself_at_every_interval()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var host = await StartAsync(
            options =>
            {
                options.TokenMaxAge = TimeSpan.FromHours(24);
                options.CollectionInterval = TimeSpan.FromHours(1);
            },
            time);
        var token = await host.NewTokenAsync();

        time.Advance(TimeSpan.FromHours(25));

        await Eventually.HoldsAsync(async () => (await host.GetAsync($"/{token}")).Status == HttpStatusCode.NotFound, $"/{token} is gone");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }

    protected static void AssertNode(JsonElement node, string key, string value, long created, long modified)
    {
        Assert.Equal(key, node.GetProperty("key").GetString());
        Assert.Equal(value, node.GetProperty("value").GetString());
        Assert.Equal(created, node.GetProperty("createdIndex").GetInt64());
        Assert.Equal(modified, node.GetProperty("modifiedIndex").GetInt64());
        Assert.False(node.TryGetProperty("dir", out _));
    }

    protected TestStore Track(TestStore store)
    {
        _stores.Add(store);
        return store;
    }

    protected Task<DiscoveryHost> StartAsync(Action<DiscoveryOptions> configure, TimeProvider time) => StartAsync(configure, null, time);

    protected async Task<DiscoveryHost> StartAsync(Action<DiscoveryOptions>? configure = null, TestStore? store = null, TimeProvider? time = null)
    {
        var host = await DiscoveryHost.StartAsync(store ?? Track(CreateStore()), configure, time);
        _hosts.Add(host);
        return host;
    }
}
