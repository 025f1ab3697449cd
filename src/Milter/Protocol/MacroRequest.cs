namespace Milter.Protocol;

/// <summary>
/// A milter's request, sent in its negotiation reply, for the macros the MTA should send at one stage.
/// It replaces the MTA's configured list for that stage, for this milter only.
/// </summary>
/// <param name="Stage">The stage the list is for.</param>
/// <param name="Names">Macro names as the MTA spells them: one letter (<c>i</c>) or braced (<c>{auth_authen}</c>).</param>
public sealed record MacroRequest(MacroStage Stage, IReadOnlyList<string> Names)
{
    /// <summary>The names as they go on the wire: separated by single spaces.</summary>
    public string ToWireText() => string.Join(' ', Names);

    /// <summary>Splits a wire list (names separated by spaces or commas) into names.</summary>
    public static IReadOnlyList<string> SplitNames(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return list.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
    }

    /// <inheritdoc />
    public bool Equals(MacroRequest? other) =>
        other is not null && Stage == other.Stage && Names.SequenceEqual(other.Names, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Stage);
        foreach (var name in Names)
            hash.Add(name, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
