using System.Text;
using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Tests.Locks;

/// <summary>
/// locksmith's semaphore logic and its JSON. The expected bytes are what locksmith's Go code (encoding/json
/// Marshal of its Semaphore struct) writes for the same state.
/// </summary>
public sealed class SemaphoreStateTests
{
    [Fact]
    public void The_semaphore_locksmith_creates_has_one_free_slot_and_null_holders()
    {
        var state = SemaphoreState.Initial;

        Assert.Equal(1, state.Available);
        Assert.Equal(1, state.Max);
        Assert.Empty(state.Holders);
        Assert.Equal("""{"semaphore":1,"max":1,"holders":null}""", Utf8(state.ToUtf8Json()));
    }

    [Fact]
    public void Lock_takes_a_slot_and_keeps_the_holders_sorted()
    {
        var state = SemaphoreState.Initial.SetMax(3);

        var first = state.Lock("m2");
        var second = first.State.Lock("m1");

        Assert.Equal(SemaphoreOutcome.Done, first.Outcome);
        Assert.Equal(SemaphoreOutcome.Done, second.Outcome);
        Assert.Equal(["m1", "m2"], second.State.Holders);
        Assert.Equal("""{"semaphore":1,"max":3,"holders":["m1","m2"]}""", second.State.ToString());
        Assert.True(second.State.IsHeldBy("m1"));
        Assert.False(second.State.IsHeldBy("m3"));
    }

    [Fact]
    public void Lock_is_refused_when_the_semaphore_is_at_zero_and_nothing_changes()
    {
        var full = SemaphoreState.Initial.Lock("m1").State;

        var change = full.Lock("m2");

        Assert.Equal(SemaphoreOutcome.AtZero, change.Outcome);
        Assert.False(change.IsDone);
        Assert.Same(full, change.State);
        Assert.Equal("""{"semaphore":0,"max":1,"holders":["m1"]}""", full.ToString());
    }

    [Fact]
    public void Lock_by_a_holder_is_already_held()
    {
        var state = SemaphoreState.Initial.SetMax(2).Lock("m1").State;

        var change = state.Lock("m1");

        Assert.Equal(SemaphoreOutcome.AlreadyHeld, change.Outcome);
        Assert.Same(state, change.State);
    }

    [Fact]
    public void A_full_semaphore_is_reported_before_an_existing_holder_as_locksmith_checks_them()
    {
        var full = SemaphoreState.Initial.Lock("m1").State;

        Assert.Equal(SemaphoreOutcome.AtZero, full.Lock("m1").Outcome);
    }

    [Fact]
    public void Unlock_frees_the_slot_and_an_emptied_list_is_written_as_an_empty_array()
    {
        var held = SemaphoreState.Initial.Lock("m1").State;

        var change = held.Unlock("m1");

        Assert.Equal(SemaphoreOutcome.Done, change.Outcome);
        Assert.Equal(1, change.State.Available);
        Assert.Empty(change.State.Holders);
        // Go's append leaves an empty, not a nil, slice behind.
        Assert.Equal("""{"semaphore":1,"max":1,"holders":[]}""", change.State.ToString());
        Assert.NotEqual(SemaphoreState.Initial, change.State);
    }

    [Fact]
    public void Unlock_by_a_machine_that_holds_no_slot_is_not_held()
    {
        var held = SemaphoreState.Initial.SetMax(2).Lock("m1").State;

        Assert.Equal(SemaphoreOutcome.NotHeld, held.Unlock("m2").Outcome);
        Assert.Equal(SemaphoreOutcome.NotHeld, SemaphoreState.Initial.Unlock("m1").Outcome);
        Assert.Same(held, held.Unlock("m2").State);
    }

    [Fact]
    public void SetMax_moves_the_free_count_by_the_change_of_the_maximum()
    {
        var state = SemaphoreState.Initial.SetMax(3).Lock("a").State.Lock("b").State;

        var raised = state.SetMax(5);
        var lowered = state.SetMax(1);

        Assert.Equal((3, 5), (raised.Available, raised.Max));
        // Lowered below the holders: nobody loses a slot, the count goes negative until two are released.
        Assert.Equal((-1, 1), (lowered.Available, lowered.Max));
        Assert.Equal(["a", "b"], lowered.Holders);
        Assert.Equal("""{"semaphore":-1,"max":1,"holders":["a","b"]}""", lowered.ToString());
        Assert.Equal(SemaphoreOutcome.AtZero, lowered.Lock("c").Outcome);
        Assert.Equal(0, lowered.Unlock("a").State.Available);
    }

    [Fact]
    public void SetMax_keeps_null_holders_null()
    {
        Assert.Equal("""{"semaphore":0,"max":0,"holders":null}""", SemaphoreState.Initial.SetMax(0).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => SemaphoreState.Initial.SetMax(-1));
    }

    [Fact]
    public void Ids_are_written_as_go_writes_strings_with_html_characters_escaped()
    {
        var id = "a<b>&\"\\\n\r\t\b\f\u0001\u007f\u2028\u2029é😀";

        var json = Utf8(SemaphoreState.Initial.Lock(id).State.ToUtf8Json());

        Assert.Equal(
            "{\"semaphore\":0,\"max\":1,\"holders\":[\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\r\\t\\b\\f\\u0001\u007f\\u2028\\u2029é😀\"]}",
            json);
        Assert.Equal([id], SemaphoreState.Parse(json).Holders);
    }

    [Fact]
    public void Holders_are_sorted_by_their_utf8_bytes_as_go_sorts_strings()
    {
        var state = SemaphoreState.Initial.SetMax(5);
        foreach (var id in new[] { "😀", "\uFFFD", "é", "a", "B" })
        {
            state = state.Lock(id).State;
        }

        // UTF-16 order would put the emoji (a surrogate pair, 0xD83D) before U+FFFD; UTF-8 order puts it after.
        Assert.Equal(["B", "a", "é", "\uFFFD", "😀"], state.Holders);
        Assert.True(state.IsHeldBy("😀"));
    }

    [Theory]
    [InlineData("""{"semaphore":1,"max":1,"holders":null}""")]
    [InlineData("""{"semaphore":1,"max":1,"holders":[]}""")]
    [InlineData("""{"semaphore":0,"max":3,"holders":["0a1b","3f","ff"]}""")]
    [InlineData("""{"semaphore":-2,"max":0,"holders":["m1","m2"]}""")]
    public void Locksmiths_json_reads_back_to_the_same_bytes(string json)
    {
        Assert.Equal(json, SemaphoreState.Parse(Encoding.UTF8.GetBytes(json)).ToString());
    }

    [Fact]
    public void Reading_accepts_whitespace_missing_holders_and_unsorted_holders()
    {
        var state = SemaphoreState.Parse("""
            { "max": 3, "semaphore": 1, "holders": ["m2", "m1"] }
            """);
        var noHolders = SemaphoreState.Parse("""{"semaphore":1,"max":1}""");

        Assert.Equal(["m1", "m2"], state.Holders);
        Assert.Equal((1, 3), (state.Available, state.Max));
        Assert.Equal(SemaphoreState.Initial, noHolders);
    }

    [Theory]
    [InlineData("", "the value is empty")]
    [InlineData("not json", "")]
    [InlineData("null", "the value is null")]
    [InlineData("[]", "$ is not an object")]
    [InlineData("{}", "\"semaphore\" is missing")]
    [InlineData("""{"semaphore":1,"holders":null}""", "\"max\" is missing")]
    [InlineData("""{"semaphore":"1","max":1,"holders":null}""", "$.semaphore is not a whole number")]
    [InlineData("""{"semaphore":1.5,"max":1,"holders":null}""", "$.semaphore is not a whole number")]
    [InlineData("""{"semaphore":1,"max":99999999999,"holders":null}""", "$.max is not a whole number")]
    [InlineData("""{"semaphore":1,"max":-1,"holders":null}""", "\"max\" is -1, below zero")]
    [InlineData("""{"semaphore":1,"max":1,"holders":"m1"}""", "$.holders is not an array of machine ids or null")]
    [InlineData("""{"semaphore":1,"max":1,"holders":[1]}""", "$.holders[0] is not a string")]
    [InlineData("""{"semaphore":1,"max":1,"holders":[null]}""", "holder 1 is null")]
    [InlineData("""{"semaphore":0,"max":2,"holders":["m1","m1"]}""", "holder 'm1' is listed twice")]
    [InlineData("""{"semaphore":1,"max":1,"holders":null,"Holders":[]}""", "unknown property 'Holders'")]
    [InlineData("""{"semaphore":1,"semaphore":0,"max":1,"holders":null}""", "$.semaphore is given twice")]
    [InlineData("""{"semaphore":1,"max":1,"holders":null} x""", "")]
    [InlineData("""{"semaphore":1,"max":1,"holders":null,}""", "")]
    public void Anything_else_is_refused_with_a_message_that_says_why(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => SemaphoreState.Parse(json));

        Assert.StartsWith("not locksmith's semaphore JSON: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Keelson.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void States_are_equal_by_value()
    {
        var a = SemaphoreState.Parse("""{"semaphore":1,"max":2,"holders":["m1"]}""");
        var b = SemaphoreState.Initial.SetMax(2).Lock("m1").State;

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b.SetMax(3));
    }

    private static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
