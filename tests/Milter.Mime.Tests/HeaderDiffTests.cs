namespace Milter.Mime.Tests;

public sealed class HeaderDiffTests
{
    private static List<CapturedHeader> H(params string[] fields) =>
        fields.Select(f => f.Split(": ", 2)).Select(p => new CapturedHeader(p[0], p[1])).ToList();

    private static List<string> Edits(List<CapturedHeader> from, List<CapturedHeader> to) =>
        HeaderDiff.Compute(from, to).Select(e => e.Kind == HeaderEditKind.Add ? $"Add {e.Name}={e.Value}" : $"{e.Kind} {e.Name}[{e.Index}]={e.Value}").ToList();

    [Fact]
    public void Equal_lists_need_nothing_and_reordering_is_not_an_edit()
    {
        Assert.Empty(Edits(H("A: 1", "B: 2", "A: 3"), H("A: 1", "B: 2", "A: 3")));
        Assert.Empty(Edits(H("A: 1", "B: 2"), H("B: 2", "A: 1")));
    }

    [Fact]
    public void A_changed_value_is_a_change_of_that_occurrence()
    {
        Assert.Equal(["Change A[2]=x"], Edits(H("A: 1", "B: 2", "A: 3"), H("A: 1", "B: 2", "A: x")));
    }

    [Fact]
    public void Deletes_go_from_the_last_occurrence_up_so_no_index_moves_under_a_later_action()
    {
        Assert.Equal(["Delete A[3]=", "Delete A[1]="], Edits(H("A: 1", "A: 2", "A: 3"), H("A: 2")));
        Assert.Equal(["Delete A[3]=", "Change A[1]=z"], Edits(H("A: 1", "A: 2", "A: 3"), H("A: z", "A: 2")));
    }

    [Fact]
    public void A_new_header_in_the_middle_is_inserted_before_the_next_kept_one_counting_the_MTA_Received()
    {
        Assert.Equal(["Insert N[2]=new"], Edits(H("A: 1", "B: 2"), H("A: 1", "N: new", "B: 2")));
        Assert.Equal(["Insert N[1]=n1", "Insert M[2]=n2"], Edits(H("A: 1"), H("N: n1", "M: n2", "A: 1")));
    }

    [Fact]
    public void A_new_header_after_every_kept_one_is_an_append()
    {
        Assert.Equal(["Add N=x", "Add M=y"], Edits(H("A: 1"), H("A: 1", "N: x", "M: y")));
    }

    [Fact]
    public void A_same_name_header_inserted_above_shifts_the_occurrence_of_a_later_change()
    {
        // Insert first (index counted in the list as received), then change what is now the third A.
        Assert.Equal(["Insert A[1]=top", "Change A[3]=x"], Edits(H("A: 1", "A: 2"), H("A: top", "A: 1", "A: x")));
    }

    [Fact]
    public void Names_match_without_regard_to_case()
    {
        Assert.Equal(["Change subject[1]=b"], Edits(H("subject: a"), H("Subject: b")));
    }
}
