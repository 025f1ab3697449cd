namespace Milter;

/// <summary>
/// Turns header changes written in one meaning into the indexes each MTA needs, so they give the same delivered
/// headers behind Postfix and Sendmail. The meaning (Postfix's): indexes count the headers as they are at the moment
/// of the call, after this message's earlier changes; the MTA's own Received: is the first header (an insert at
/// 0 goes above it). Sendmail, measured against 8.17 with the standard configuration, differs in three ways:
/// <list type="bullet">
/// <item>its list has 7 more entries between its Received: and the client's first header: the configuration's
/// default Resent-Date, Date, Resent-From, From, Full-Name, Resent-Message-Id and Message-Id, hidden unless it
/// fills one in, which insert positions count;</item>
/// <item>a deleted header keeps its place: insert positions and change/delete occurrence numbers still count it,
/// and a change "revives" it;</item>
/// <item>an added header whose name matches a deleted header or one Sendmail generated takes that header's place
/// instead of going to the end; an insert past the end does not, so adds are sent as that.</item>
/// </list>
/// For positions the translator keeps the header names the milter was shown (when it asked for headers).
/// </summary>
internal sealed class HeaderEditTranslator
{
    /// <summary>Sendmail's hidden default headers between its Received: and the client's headers (standard .cf, H lines).</summary>
    public const int SendmailTemplateHeaders = 7;

    private const uint SendmailEnd = int.MaxValue;

    private readonly MtaKind _mta;

    // The list as the MTA holds it: its Received: first (Own), Sendmail's hidden defaults (Hidden), then the
    // headers the milter saw and added, deleted ones kept in place (Deleted).
    private readonly List<Entry> _entries = [];

    public HeaderEditTranslator(MtaKind mta, IReadOnlyList<string> receivedNames)
    {
        _mta = mta;
        _entries.Add(new Entry(string.Empty, EntryKind.Own));
        if (mta == MtaKind.Sendmail)
            _entries.AddRange(Enumerable.Repeat(new Entry(string.Empty, EntryKind.Hidden), SendmailTemplateHeaders));
        foreach (var name in receivedNames)
            _entries.Add(new Entry(name, EntryKind.Live));
    }

    private enum EntryKind
    {
        Own,
        Hidden,
        Live,
        Deleted,
    }

    /// <summary>The INSHEADER index for an insert before the <paramref name="index"/>-th visible header (0: above the MTA's Received:).</summary>
    public uint Insert(int index, string name)
    {
        var position = PositionOfVisible(index);
        _entries.Insert(Math.Min(position, _entries.Count), new Entry(name, EntryKind.Live));
        return _mta == MtaKind.Sendmail ? (uint)position : (uint)index;
    }

    /// <summary>How to append a header: ADDHEADER, or (Sendmail) INSHEADER past the end, with its index.</summary>
    public (bool AsInsert, uint Index) Add(string name)
    {
        _entries.Add(new Entry(name, EntryKind.Live));
        return _mta == MtaKind.Sendmail ? (true, SendmailEnd) : (false, 0);
    }

    /// <summary>The CHGHEADER index for a change of the <paramref name="occurrence"/>-th (1-based) header called <paramref name="name"/>.</summary>
    public uint Change(string name, int occurrence)
    {
        var (index, position) = Find(name, occurrence);
        // Both MTAs append a change of a header that is not there.
        if (position < 0)
            _entries.Add(new Entry(name, EntryKind.Live));
        return index;
    }

    /// <summary>The CHGHEADER index for deleting the <paramref name="occurrence"/>-th header called <paramref name="name"/>.</summary>
    public uint Delete(string name, int occurrence)
    {
        var (index, position) = Find(name, occurrence);
        if (position >= 0)
            _entries[position] = _entries[position] with { Kind = EntryKind.Deleted };
        return index;
    }

    // The wire index of the occurrence-th live header of a name, and its place in the list (-1 when there is none).
    private (uint Index, int Position) Find(string name, int occurrence)
    {
        var live = 0;
        var all = 0;
        for (var i = 0; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if (entry.Kind is EntryKind.Own or EntryKind.Hidden || !entry.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                continue;
            all++;
            if (entry.Kind == EntryKind.Live && ++live == occurrence)
                return (_mta == MtaKind.Sendmail ? (uint)all : (uint)occurrence, i);
        }

        return (_mta == MtaKind.Sendmail ? (uint)(all + occurrence - live) : (uint)occurrence, -1);
    }

    // The list position right before the index-th visible header (the MTA's Received: and live headers are
    // visible); past the end, as far beyond it as asked.
    private int PositionOfVisible(int index)
    {
        if (index == 0)
            return 0;
        var visible = 0;
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Kind is EntryKind.Own or EntryKind.Live && visible++ == index)
                return i;
        }

        return _entries.Count + (index - visible);
    }

    private readonly record struct Entry(string Name, EntryKind Kind);
}
