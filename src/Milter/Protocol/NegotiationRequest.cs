namespace Milter.Protocol;

/// <summary>What a milter wants from option negotiation.</summary>
/// <param name="Actions">The message changes it may make. <see cref="ActionFlags.SetMacroLists"/> is added when macros are requested.</param>
/// <param name="Protocol">Steps it does not want (No*), steps it will not answer (NoReply*), and features it needs.</param>
/// <param name="MacroRequests">Macro lists per stage; empty to take the MTA's configured macros.</param>
/// <param name="MinimumVersion">The lowest MTA protocol version it can work with (at least 2, libmilter's minimum).</param>
public sealed record NegotiationRequest(
    ActionFlags Actions,
    ProtocolFlags Protocol,
    IReadOnlyList<MacroRequest> MacroRequests,
    uint MinimumVersion = NegotiationRequest.LowestSupportedVersion)
{
    /// <summary>The lowest protocol version libmilter (and this library) talks to.</summary>
    public const uint LowestSupportedVersion = 2;

    /// <summary>Actions wanted only if the MTA offers them; unlike <see cref="Actions"/>, a missing one does not fail negotiation.</summary>
    public ActionFlags OptionalActions { get; init; }

    /// <summary>Creates a request without macro lists.</summary>
    public NegotiationRequest(ActionFlags actions, ProtocolFlags protocol)
        : this(actions, protocol, [])
    {
    }

    /// <inheritdoc />
    public bool Equals(NegotiationRequest? other) =>
        other is not null && Actions == other.Actions && OptionalActions == other.OptionalActions && Protocol == other.Protocol && MinimumVersion == other.MinimumVersion
        && MacroRequests.SequenceEqual(other.MacroRequests);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Actions, Protocol, MinimumVersion, MacroRequests.Count);
}
