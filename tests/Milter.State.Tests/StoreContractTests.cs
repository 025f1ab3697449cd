using Milter.State.Tests.Support;

namespace Milter.State.Tests;

/// <summary>What every store promises, checked on SQLite and on a real Redis alike.</summary>
public sealed class StoreContractTests(Stores stores)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    [Theory]
    [MemberData(nameof(Stores.Kinds), MemberType = typeof(Stores))]
    public async Task A_counter_counts_in_a_fixed_window_and_starts_again_at_one_after_it(string kind)
    {
        await using var store = stores.Open(kind);
        var key = Stores.Unique("counter");
        var before = DateTimeOffset.UtcNow;

        var first = await store.IncrementAsync(key, Short);
        await Task.Delay(100);
        var second = await store.IncrementAsync(key, Short);

        Assert.Equal([1, 2], [first.Count, second.Count]);
        Assert.InRange(first.ExpiresAt, before + Short - TimeSpan.FromMilliseconds(50), DateTimeOffset.UtcNow + Short);
        // The window started at the first increment: the second does not push it back.
        Assert.InRange((second.ExpiresAt - first.ExpiresAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, (await store.IncrementAsync(Stores.Unique("other"), Short)).Count);

        await Task.Delay(Short + TimeSpan.FromMilliseconds(150));
        var again = await store.IncrementAsync(key, Short);
        Assert.Equal(1, again.Count);
        Assert.True(again.ExpiresAt > second.ExpiresAt);
    }

    [Theory]
    [MemberData(nameof(Stores.Kinds), MemberType = typeof(Stores))]
    public async Task Set_members_expire_one_by_one(string kind)
    {
        await using var store = stores.Open(kind);
        var set = Stores.Unique("set");

        await store.AddToSetAsync(set, "brief", Short);
        await store.AddToSetAsync(set, "lasting", Long);
        Assert.True(await store.SetContainsAsync(set, "brief"));
        Assert.True(await store.SetContainsAsync(set, "lasting"));
        Assert.False(await store.SetContainsAsync(set, "never added"));
        Assert.False(await store.SetContainsAsync(Stores.Unique("set"), "lasting"));

        await Task.Delay(Short + TimeSpan.FromMilliseconds(150));
        Assert.False(await store.SetContainsAsync(set, "brief"));
        Assert.True(await store.SetContainsAsync(set, "lasting"));

        // Adding again gives a member a new lifetime.
        await store.AddToSetAsync(set, "brief", Long);
        Assert.True(await store.SetContainsAsync(set, "brief"));
    }

    [Theory]
    [MemberData(nameof(Stores.Kinds), MemberType = typeof(Stores))]
    public async Task Compare_and_set_stores_only_over_the_expected_value(string kind)
    {
        await using var store = stores.Open(kind);
        var key = Stores.Unique("value");

        Assert.Null(await store.GetAsync(key));
        Assert.False(await store.CompareAndSetAsync(key, "anything", "x", Long));
        Assert.True(await store.CompareAndSetAsync(key, null, "first", Long));
        Assert.False(await store.CompareAndSetAsync(key, null, "second", Long));
        Assert.Equal("first", await store.GetAsync(key));

        Assert.False(await store.CompareAndSetAsync(key, "not first", "third", Long));
        Assert.True(await store.CompareAndSetAsync(key, "first", "third", Short));
        Assert.Equal("third", await store.GetAsync(key));

        // An expired value is no value: it reads as null and may be created again.
        await Task.Delay(Short + TimeSpan.FromMilliseconds(150));
        Assert.Null(await store.GetAsync(key));
        Assert.False(await store.CompareAndSetAsync(key, "third", "fourth", Long));
        Assert.True(await store.CompareAndSetAsync(key, null, "fresh", Long));
        Assert.Equal("fresh", await store.GetAsync(key));
    }

    [Theory]
    [MemberData(nameof(Stores.Kinds), MemberType = typeof(Stores))]
    public async Task Two_instances_incrementing_at_once_lose_no_count(string kind)
    {
        var key = Stores.Unique("shared");
        var (counts, _) = await stores.FromTwoInstancesAtOnceAsync(kind, 200, async (store, _) => (await store.IncrementAsync(key, Long)).Count);

        // Each increment saw a count of its own: 1 to 200, none twice, none skipped.
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), counts.Order());
    }

    [Theory]
    [MemberData(nameof(Stores.Kinds), MemberType = typeof(Stores))]
    public async Task Of_instances_racing_to_create_a_value_exactly_one_wins(string kind)
    {
        var key = Stores.Unique("race");
        var (wins, options) = await stores.FromTwoInstancesAtOnceAsync(kind, 40, (store, i) => store.CompareAndSetAsync(key, null, $"writer {i}", Long).AsTask());

        Assert.Single(wins, won => won);
        await using var third = MilterStore.Create(options);
        Assert.Equal($"writer {Array.IndexOf(wins, true)}", await third.GetAsync(key));
    }
}
