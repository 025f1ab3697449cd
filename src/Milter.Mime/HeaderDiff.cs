namespace Milter.Mime;

/// <summary>
/// Works out the fewest header actions that turn the headers the MTA has into the headers wanted.
/// Headers are matched per name (case-insensitive), by value, in order: kept headers cost nothing, a header
/// whose value changed is one change, a missing one a delete, a new one an insert before the next kept header
/// (or an append at the end). Moving a header without changing it is not expressible in milter actions and is
/// ignored.
/// </summary>
/// <remarks>
/// The actions are ordered so their indexes hold whatever the MTA does with deleted headers: inserts first,
/// top to bottom, counted in the list as received plus the earlier inserts and the MTA's own trace header on
/// top (<see cref="EndOfMessageContext.InsertHeader"/>'s convention); then changes and deletes per name from
/// the last occurrence up, so no action shifts the index of a later one; appends last.
/// </remarks>
internal static class HeaderDiff
{
    public static List<HeaderEdit> Compute(IReadOnlyList<CapturedHeader> original, IReadOnlyList<CapturedHeader> wanted)
    {
        // For each wanted header, the original header it stands for (kept or changed), or -1 when it is new.
        var sourceOf = new int[wanted.Count];
        Array.Fill(sourceOf, -1);
        var deleted = new List<int>();
        foreach (var name in original.Select(h => h.Name).Concat(wanted.Select(h => h.Name)).Distinct(StringComparer.OrdinalIgnoreCase))
            Align(Positions(original, name), Positions(wanted, name), original, wanted, sourceOf, deleted);

        var edits = new List<HeaderEdit>();

        // Inserts, each before the original header that the next anchored wanted header stands for.
        var insertedBefore = new int[original.Count + 1];
        var inserts = new List<(int Anchor, int Wanted)>();
        for (var i = 0; i < wanted.Count; i++)
        {
            if (sourceOf[i] >= 0)
                continue;
            var anchor = -1;
            for (var j = i + 1; j < wanted.Count && anchor < 0; j++)
                anchor = sourceOf[j];
            if (anchor >= 0)
                inserts.Add((anchor, i));
        }

        inserts.Sort((a, b) => a.Anchor != b.Anchor ? a.Anchor.CompareTo(b.Anchor) : a.Wanted.CompareTo(b.Wanted));
        for (var n = 0; n < inserts.Count; n++)
        {
            var (anchor, w) = inserts[n];
            // +1: the MTA's own Received: header sits above everything the milter saw.
            edits.Add(new HeaderEdit(HeaderEditKind.Insert, wanted[w].Name, wanted[w].Value, anchor + 1 + n));
            insertedBefore[anchor]++;
        }

        // Changes and deletes, bottom-up per name. An occurrence number counts the same-name headers inserted above it.
        var updates = new List<HeaderEdit>();
        for (var j = 0; j < original.Count; j++)
        {
            var wantedIndex = Array.IndexOf(sourceOf, j);
            var isDeleted = deleted.Contains(j);
            if (!isDeleted && (wantedIndex < 0 || wanted[wantedIndex].Value == original[j].Value))
                continue;
            var occurrence = Occurrence(original, j) + inserts.Count(x => x.Anchor <= j && Same(wanted[x.Wanted].Name, original[j].Name));
            updates.Add(isDeleted
                ? new HeaderEdit(HeaderEditKind.Delete, original[j].Name, string.Empty, occurrence)
                : new HeaderEdit(HeaderEditKind.Change, original[j].Name, wanted[wantedIndex].Value, occurrence));
        }

        edits.AddRange(updates.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ThenByDescending(e => e.Index));

        // Appends: new headers with no kept header after them, in order.
        for (var i = 0; i < wanted.Count; i++)
        {
            if (sourceOf[i] < 0 && !inserts.Exists(x => x.Wanted == i))
                edits.Add(new HeaderEdit(HeaderEditKind.Add, wanted[i].Name, wanted[i].Value, 0));
        }

        return edits;
    }

    // Pairs the original and wanted headers of one name: equal values by longest common subsequence, then the
    // rest positionally inside each gap (a change), leaving deletes and new headers over.
    private static void Align(List<int> from, List<int> to, IReadOnlyList<CapturedHeader> original, IReadOnlyList<CapturedHeader> wanted, int[] sourceOf, List<int> deleted)
    {
        var lengths = new int[from.Count + 1, to.Count + 1];
        for (var a = from.Count - 1; a >= 0; a--)
        {
            for (var b = to.Count - 1; b >= 0; b--)
            {
                lengths[a, b] = original[from[a]].Value == wanted[to[b]].Value
                    ? lengths[a + 1, b + 1] + 1
                    : Math.Max(lengths[a + 1, b], lengths[a, b + 1]);
            }
        }

        var x = 0;
        var y = 0;
        var gapFrom = new List<int>();
        var gapTo = new List<int>();
        while (x < from.Count || y < to.Count)
        {
            if (x < from.Count && y < to.Count && original[from[x]].Value == wanted[to[y]].Value && lengths[x, y] == lengths[x + 1, y + 1] + 1)
            {
                CloseGap(gapFrom, gapTo, sourceOf, deleted);
                sourceOf[to[y++]] = from[x++];
            }
            else if (y >= to.Count || (x < from.Count && lengths[x + 1, y] >= lengths[x, y + 1]))
            {
                gapFrom.Add(from[x++]);
            }
            else
            {
                gapTo.Add(to[y++]);
            }
        }

        CloseGap(gapFrom, gapTo, sourceOf, deleted);
    }

    private static void CloseGap(List<int> gapFrom, List<int> gapTo, int[] sourceOf, List<int> deleted)
    {
        var paired = Math.Min(gapFrom.Count, gapTo.Count);
        for (var k = 0; k < paired; k++)
            sourceOf[gapTo[k]] = gapFrom[k];
        deleted.AddRange(gapFrom.Skip(paired));
        gapFrom.Clear();
        gapTo.Clear();
    }

    private static List<int> Positions(IReadOnlyList<CapturedHeader> headers, string name)
    {
        var positions = new List<int>();
        for (var i = 0; i < headers.Count; i++)
        {
            if (Same(headers[i].Name, name))
                positions.Add(i);
        }

        return positions;
    }

    private static int Occurrence(IReadOnlyList<CapturedHeader> headers, int index)
    {
        var occurrence = 0;
        for (var i = 0; i <= index; i++)
        {
            if (Same(headers[i].Name, headers[index].Name))
                occurrence++;
        }

        return occurrence;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
