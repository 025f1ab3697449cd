namespace Milter;

/// <summary>
/// Turns header changes written in one meaning into the indexes each MTA needs, so they give the same delivered
/// headers behind Postfix and Sendmail. The meaning (Postfix's, and libmilter's as documented): indexes count the
/// headers as they are at the moment of the call, after this message's earlier changes; the MTA's own Received: is
/// the first header (an insert at 0 goes above it). Behind any MTA not known to be Sendmail the changes go out exactly
/// as written, as libmilter sends them. Sendmail, measured against 8.17 with the standard configuration, differs:
/// <list type="bullet">
/// <item>its list has 7 more entries between its Received: and the client's first header, its default headers
/// (<see cref="SendmailHeaders.Defaults"/>), hidden unless it fills one in, which insert positions count;</item>
/// <item>a deleted header keeps its place: insert positions and change/delete occurrence numbers still count it,
/// and a change "revives" it;</item>
/// <item>ADDHEADER of a default's name, and a CHGHEADER that finds no client header of it, fill that default in
/// place, so the milter's Date: replaces the one Sendmail would generate (libmilter's behaviour, kept: anything else
/// delivers two); any other ADDHEADER goes before the first header of the same name, deleted ones included, so those
/// adds are sent as an insert past the end, which appends as Postfix does.</item>
/// </list>
/// For positions the translator keeps the header names the milter was shown (when it asked for headers). It also keeps
/// the values the changes wrote, so a pipeline can show a later part the headers as they now stand (<see cref="Visible"/>).
/// </summary>
internal sealed class HeaderEditTranslator
{
    private const uint SendmailEnd = int.MaxValue;

    private MtaKind _mta;

    // The list as the MTA holds it: its Received: first (Own), Sendmail's defaults (Hidden until filled in), then the
    // headers the milter saw and added, deleted ones kept in place (Deleted). A header the milter saw keeps its place in
    // the received list (Source) until a change gives it a value; an added one has its value.
    private readonly List<Entry> _entries = [];

    public HeaderEditTranslator(MtaKind mta, IReadOnlyList<string> receivedNames) => Reset(mta, receivedNames);

    /// <summary>Starts over for another message (the object and its list are reused message after message).</summary>
    public void Reset(MtaKind mta, IReadOnlyList<string> receivedNames)
    {
        _mta = mta;
        _entries.Clear();
        // Room for the changes too, so the list grows once, not at every doubling.
        _entries.EnsureCapacity(1 + SendmailHeaders.Defaults.Length + receivedNames.Count + 8);
        _entries.Add(new Entry(string.Empty, EntryKind.Own, -1, null));
        if (mta == MtaKind.Sendmail)
        {
            foreach (var name in SendmailHeaders.Defaults)
                _entries.Add(new Entry(name, EntryKind.Hidden, -1, null));
        }

        for (var i = 0; i < receivedNames.Count; i++)
            _entries.Add(new Entry(receivedNames[i], EntryKind.Live, i, null));
    }

    /// <summary>Takes <paramref name="other"/>'s MTA and list as they are now (a pipeline's dry-run part starts from them).</summary>
    public void CopyFrom(HeaderEditTranslator other)
    {
        _mta = other._mta;
        _entries.Clear();
        _entries.AddRange(other._entries);
    }

    private enum EntryKind
    {
        Own,
        Hidden,
        Live,
        Deleted,
    }

    private bool Sendmail => _mta == MtaKind.Sendmail;

    /// <summary>The INSHEADER index for an insert before the <paramref name="index"/>-th visible header (0: above the MTA's Received:).</summary>
    public uint Insert(int index, string name, string value)
    {
        var position = PositionOfVisible(index);
        _entries.Insert(Math.Min(position, _entries.Count), new Entry(name, EntryKind.Live, -1, value));
        return Sendmail ? (uint)position : (uint)index;
    }

    /// <summary>
    /// How to append a header: ADDHEADER, or (Sendmail) INSHEADER past the end with its index, unless the name is a
    /// default Sendmail still holds hidden: then ADDHEADER, which puts it in that default's place.
    /// </summary>
    public (bool AsInsert, uint Index) Add(string name, string value)
    {
        var hidden = HiddenDefault(name);
        if (hidden >= 0)
        {
            _entries[hidden] = _entries[hidden] with { Kind = EntryKind.Live, Value = value };
            return (false, 0);
        }

        _entries.Add(new Entry(name, EntryKind.Live, -1, value));
        return Sendmail ? (true, SendmailEnd) : (false, 0);
    }

    /// <summary>The CHGHEADER index for a change of the <paramref name="occurrence"/>-th (1-based) header called <paramref name="name"/>.</summary>
    public uint Change(string name, int occurrence, string value)
    {
        var (index, position) = Find(name, occurrence);
        if (position < 0)
            Added(name, value);
        else
            _entries[position] = _entries[position] with { Value = value };
        return index;
    }

    /// <summary>The CHGHEADER index for deleting the <paramref name="occurrence"/>-th header called <paramref name="name"/>.</summary>
    public uint Delete(string name, int occurrence)
    {
        var (index, position) = Find(name, occurrence);
        // Deleting one that is not there changes nothing visible (Sendmail then empties its hidden default, which
        // stays where it is and can still be filled in).
        if (position >= 0)
            _entries[position] = _entries[position] with { Kind = EntryKind.Deleted };
        return index;
    }

    // Where an MTA puts a change of a header that is not there: Postfix appends; Sendmail fills its hidden default of
    // that name, or else adds it before the first header of that name (deleted ones included), or else appends.
    private void Added(string name, string value)
    {
        var hidden = HiddenDefault(name);
        if (hidden >= 0)
        {
            _entries[hidden] = _entries[hidden] with { Kind = EntryKind.Live, Value = value };
            return;
        }

        var first = Sendmail ? IndexOf(name, EntryKind.Live, EntryKind.Deleted) : -1;
        _entries.Insert(first < 0 ? _entries.Count : first, new Entry(name, EntryKind.Live, -1, value));
    }

    private int HiddenDefault(string name) => IndexOf(name, EntryKind.Hidden, EntryKind.Hidden);

    private int IndexOf(string name, EntryKind kind, EntryKind orKind)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if ((entry.Kind == kind || entry.Kind == orKind) && Same(entry, name))
                return i;
        }

        return -1;
    }

    // The wire index of the occurrence-th live header of a name, and its place in the list (-1 when there is none).
    private (uint Index, int Position) Find(string name, int occurrence)
    {
        var live = 0;
        var all = 0;
        for (var i = 0; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if (entry.Kind is EntryKind.Own or EntryKind.Hidden || !Same(entry, name))
                continue;
            all++;
            if (entry.Kind == EntryKind.Live && ++live == occurrence)
                return (Sendmail ? (uint)all : (uint)occurrence, i);
        }

        return (Sendmail ? (uint)(all + occurrence - live) : (uint)occurrence, -1);
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

    /// <summary>
    /// The headers as they now stand, in the MTA's order, as the MTA would show them to the next milter (its own Received:
    /// and headers hidden or deleted left out): each as (name, the value a change wrote, or null and its place in the
    /// received list when no change touched it).
    /// </summary>
    public IEnumerable<(string Name, string? Value, int Source)> Visible()
    {
        foreach (var entry in _entries)
        {
            if (entry.Kind == EntryKind.Live)
                yield return (entry.Name, entry.Value, entry.Source);
        }
    }

    private static bool Same(Entry entry, string name) => entry.Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    private readonly record struct Entry(string Name, EntryKind Kind, int Source, string? Value);
}
