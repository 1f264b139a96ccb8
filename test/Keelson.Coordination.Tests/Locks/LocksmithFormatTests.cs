using Keelson.Coordination.Locks;

namespace Keelson.Coordination.Tests.Locks;

/// <summary>locksmithctl's output, line for line (status.go, set_max.go, and the lock package's errors).</summary>
public sealed class LocksmithFormatTests
{
    [Fact]
    public void Status_without_holders_is_two_lines()
    {
        Assert.Equal("Available: 1\nMax: 1\n", LocksmithFormat.Status(SemaphoreState.Initial));
    }

    [Fact]
    public void Status_lists_the_holders_under_a_machine_id_heading_after_an_empty_line()
    {
        var state = SemaphoreState.Initial.SetMax(3).Lock("m2").State.Lock("m1").State;

        Assert.Equal("Available: 1\nMax: 3\n\nMACHINE ID\nm1\nm2\n", LocksmithFormat.Status(state));
    }

    [Fact]
    public void Status_shows_a_negative_count_as_it_is()
    {
        var state = SemaphoreState.Parse("""{"semaphore":-1,"max":1,"holders":["m1","m2"]}""");

        Assert.Equal("Available: -1\nMax: 1\n\nMACHINE ID\nm1\nm2\n", LocksmithFormat.Status(state));
    }

    [Fact]
    public void Status_of_an_emptied_holder_list_has_no_heading()
    {
        var state = SemaphoreState.Initial.Lock("m1").State.Unlock("m1").State;

        Assert.Equal("Available: 1\nMax: 1\n", LocksmithFormat.Status(state));
    }

    [Fact]
    public void SetMax_prints_the_old_and_the_new_maximum()
    {
        Assert.Equal("Old-Max: 1\nMax: 3\n", LocksmithFormat.SetMax(1, 3));
    }

    [Fact]
    public void Refusals_are_locksmiths_errors()
    {
        var full = SemaphoreState.Initial.Lock("m1").State;
        var lowered = SemaphoreState.Parse("""{"semaphore":-1,"max":1,"holders":["m1","m2"]}""");

        Assert.Equal("semaphore is at 0", LocksmithFormat.Refusal(full.Lock("m2")));
        Assert.Equal("semaphore is at -1", LocksmithFormat.Refusal(lowered.Lock("m3")));
        Assert.Equal("holder exists", LocksmithFormat.Refusal(full.SetMax(2).Lock("m1")));
        Assert.Equal("holder does not exist", LocksmithFormat.Refusal(full.Unlock("m2")));
        Assert.Equal("", LocksmithFormat.Refusal(full.Unlock("m1")));
    }

    [Fact]
    public void A_full_semaphore_is_described_with_its_holders()
    {
        Assert.Equal("all 2 slots are held: m1, m2", EtcdSemaphore.DescribeFull(SemaphoreState.Initial.SetMax(2).Lock("m2").State.Lock("m1").State));
        Assert.Equal("the only slot is held: m1", EtcdSemaphore.DescribeFull(SemaphoreState.Initial.Lock("m1").State));
        Assert.Equal("the semaphore has no slots (max 0)", EtcdSemaphore.DescribeFull(SemaphoreState.Initial.SetMax(0)));
    }

    [Theory]
    [InlineData("", "coreos.com/updateengine/rebootlock/semaphore")]
    [InlineData("web", "coreos.com/updateengine/rebootlock/groups/web/semaphore")]
    [InlineData("db servers", "coreos.com/updateengine/rebootlock/groups/db+servers/semaphore")]
    [InlineData("eu/west", "coreos.com/updateengine/rebootlock/groups/eu%2Fwest/semaphore")]
    [InlineData("a-b_c.d~e", "coreos.com/updateengine/rebootlock/groups/a-b_c.d~e/semaphore")]
    [InlineData("a+b&c=d?#%", "coreos.com/updateengine/rebootlock/groups/a%2Bb%26c%3Dd%3F%23%25/semaphore")]
    [InlineData("é", "coreos.com/updateengine/rebootlock/groups/%C3%A9/semaphore")]
    public void Group_keys_are_named_as_locksmith_names_them_with_go_query_escaping(string group, string key)
    {
        Assert.Equal(key, EtcdSemaphore.KeyFor(group));
    }
}
