using Milter.Protocol;

namespace Milter;

/// <summary>
/// The macros the MTA has sent that are still in scope, kept per stage as libmilter does: a lookup checks the
/// latest stage first, and a new CONNECT, HELO, MAIL or RCPT drops the macros of the stages after it.
/// Names may be given with or without braces: <c>auth_authen</c> and <c>{auth_authen}</c> are the same macro.
/// </summary>
public sealed class MilterMacros
{
    // Slots in protocol order (unlike the SMFIM numbers): connect, HELO, MAIL, RCPT, DATA, end of headers, end of message.
    private const int SlotCount = 7;
    private readonly Dictionary<string, string>?[] _slots = new Dictionary<string, string>?[SlotCount];

    /// <summary>The value of a macro, or <see langword="null"/> when the MTA has not sent it in the current scope.</summary>
    public string? this[string name] => TryGetValue(name, out var value) ? value : null;

    /// <summary>Looks a macro up, latest stage first.</summary>
    public bool TryGetValue(string name, out string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Looked up by span: a handler's [Macro("{x}")] read allocates nothing.
        var key = Key(name);
        for (var slot = SlotCount - 1; slot >= 0; slot--)
        {
            if (_slots[slot] is { } macros && macros.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out value!))
                return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>The macros sent for one stage, under the names the MTA used (braces removed).</summary>
    public IReadOnlyDictionary<string, string> GetStage(MacroStage stage) =>
        _slots[SlotOf(stage)] ?? (IReadOnlyDictionary<string, string>)EmptyMacros;

    /// <summary>Every macro in scope; a later stage's value wins.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var slot in _slots)
        {
            if (slot is null)
                continue;
            foreach (var (name, value) in slot)
                all[name] = value;
        }

        return all;
    }

    private static readonly Dictionary<string, string> EmptyMacros = [];

    /// <summary>Stores the macros of one MACRO packet; returns false (and stores nothing) for command bytes libmilter ignores.</summary>
    internal bool Set(byte forCommand, in MacroCommand command)
    {
        var slot = SlotOf(forCommand);
        if (slot < 0)
            return false;
        var macros = _slots[slot] ??= new Dictionary<string, string>(StringComparer.Ordinal);
        macros.Clear();
        foreach (var pair in command)
            macros[Normalize(pair.GetName())] = pair.GetValue();
        return true;
    }

    /// <summary>Drops the macros of the stages after <paramref name="stage"/>, and of the stage itself unless <paramref name="keepStage"/>.</summary>
    internal void ClearFrom(MacroStage stage, bool keepStage)
    {
        for (var slot = SlotOf(stage) + (keepStage ? 1 : 0); slot < SlotCount; slot++)
            _slots[slot]?.Clear();
    }

    /// <summary>Drops everything (new connection on the same socket).</summary>
    internal void Clear()
    {
        foreach (var slot in _slots)
            slot?.Clear();
    }

    internal static MacroStage? StageOf(byte forCommand) => (MilterCommandCode)forCommand switch
    {
        MilterCommandCode.Connect => MacroStage.Connect,
        MilterCommandCode.Helo => MacroStage.Helo,
        MilterCommandCode.Mail => MacroStage.Mail,
        MilterCommandCode.Rcpt => MacroStage.Rcpt,
        MilterCommandCode.Data => MacroStage.Data,
        MilterCommandCode.EndOfHeaders => MacroStage.EndOfHeaders,
        MilterCommandCode.EndOfBody => MacroStage.EndOfMessage,
        _ => null,
    };

    private static int SlotOf(byte forCommand) => StageOf(forCommand) is { } stage ? SlotOf(stage) : -1;

    private static int SlotOf(MacroStage stage) => stage switch
    {
        MacroStage.Connect => 0,
        MacroStage.Helo => 1,
        MacroStage.Mail => 2,
        MacroStage.Rcpt => 3,
        MacroStage.Data => 4,
        MacroStage.EndOfHeaders => 5,
        MacroStage.EndOfMessage => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown macro stage."),
    };

    private static ReadOnlySpan<char> Key(string name) =>
        name.Length > 2 && name[0] == '{' && name[^1] == '}' ? name.AsSpan(1, name.Length - 2) : name;

    private static string Normalize(string name) =>
        name.Length > 2 && name[0] == '{' && name[^1] == '}' ? name[1..^1] : name;
}
