namespace Keelson.Disks.Tests;

public sealed class GptprioTests
{
    private static readonly Guid s_usr = GptPartitionTypes.CoreOsUsr;

    [Fact]
    public void The_highest_priority_with_tries_left_or_successful_boots()
    {
        var chosen = Gptprio.Select([Usr(3, priority: 1, successful: true), Usr(4, priority: 2, tries: 1)], s_usr);

        Assert.Equal(4, chosen?.Number);
    }

    [Fact]
    public void A_tie_goes_to_the_lower_partition_number()
    {
        Assert.Equal(3, Gptprio.Select([Usr(3, priority: 2, successful: true), Usr(4, priority: 2, tries: 1)], s_usr)?.Number);
        Assert.Equal(3, Gptprio.Select([Usr(4, priority: 2, tries: 1), Usr(3, priority: 2, successful: true)], s_usr)?.Number);
    }

    [Fact]
    public void A_slot_with_no_tries_left_and_not_successful_is_skipped()
    {
        // The new slot was tried once and never marked good: the next boot falls back.
        var chosen = Gptprio.Select([Usr(3, priority: 1, successful: true), Usr(4, priority: 2)], s_usr);

        Assert.Equal(3, chosen?.Number);
    }

    [Fact]
    public void Priority_0_never_boots_even_when_successful()
    {
        Assert.Null(Gptprio.Select([Usr(3, priority: 0, successful: true, tries: 3), Usr(4, priority: 0, tries: 1)], s_usr));
    }

    [Fact]
    public void Nothing_boots_when_no_usr_partition_qualifies()
    {
        Assert.Null(Gptprio.Select([Usr(3, priority: 5), Usr(4, priority: 1)], s_usr));
        Assert.Null(Gptprio.Select([], s_usr));
    }

    [Fact]
    public void Partitions_of_other_types_are_ignored_whatever_their_attributes()
    {
        var other = Usr(1, priority: 15, successful: true) with { TypeGuid = GptPartitionTypes.EfiSystem };

        Assert.Equal(3, Gptprio.Select([other, Usr(3, priority: 1, successful: true)], s_usr)?.Number);
    }

    [Theory]
    // A = partition 3, B = partition 4; "chosen" gets the top priority, the others keep their order below it.
    [InlineData(1, 0, 4, 1, 2)] // postinstall into B on a fresh disk
    [InlineData(2, 1, 4, 1, 2)]
    [InlineData(2, 1, 3, 2, 1)] // already on top: unchanged
    [InlineData(1, 1, 4, 1, 2)] // a tie is broken in favour of the chosen one
    [InlineData(0, 0, 3, 1, 0)] // a slot at 0 stays at 0
    [InlineData(0, 5, 3, 2, 1)] // the chosen one leaves 0 behind
    [InlineData(15, 3, 4, 1, 2)] // renumbered down to the number of groups
    [InlineData(15, 15, 4, 1, 2)]
    public void Prioritize_renumbers_as_cgpt_does(int a, int b, int chosen, int newA, int newB)
    {
        var result = Gptprio.Prioritize([(3, a), (4, b)], chosen);

        Assert.Equal((newA, newB), (result[3], result[4]));
    }

    [Fact]
    public void Prioritize_keeps_groups_of_equal_priority_together()
    {
        var result = Gptprio.Prioritize([(2, 5), (3, 5), (4, 2), (5, 0)], chosen: 4);

        Assert.Equal(new Dictionary<int, int> { [2] = 1, [3] = 1, [4] = 2, [5] = 0 }, result);
    }

    [Fact]
    public void Prioritize_merges_the_lowest_groups_at_1_when_there_are_more_than_15()
    {
        // Partitions 1-15 at priorities 1-15, and 16 and 17 at 0; choose 16: sixteen groups for fifteen numbers.
        var slots = Enumerable.Range(1, 15).Select(n => (Number: n, Priority: n)).Concat([(16, 0), (17, 0)]).ToList();

        var result = Gptprio.Prioritize(slots, chosen: 16);

        Assert.Equal(15, result[16]);
        Assert.All(Enumerable.Range(2, 14), n => Assert.Equal(n - 1, result[n]));
        Assert.Equal(1, result[1]); // merged with the old priority 2 at the bottom
        Assert.Equal(0, result[17]); // 0 stays 0
    }

    [Fact]
    public void Prioritize_with_a_top_priority_counts_down_from_it()
    {
        var result = Gptprio.Prioritize([(3, 1), (4, 0)], chosen: 4, maxPriority: 8);

        Assert.Equal((7, 8), (result[3], result[4]));
    }

    private static GptPartition Usr(int number, int priority, int tries = 0, bool successful = false) =>
        new(number, $"P{number}", s_usr, Guid.NewGuid(), number * 2048L, number * 2048L + 2047,
            default(GptAttributes).WithPriority(priority).WithTries(tries).WithSuccessful(successful), number * 2048L * 512, 2048 * 512);
}
