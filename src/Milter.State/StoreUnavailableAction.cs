namespace Milter.State;

/// <summary>What a decision answers when the store cannot be reached (<see cref="MilterStore.DecideAsync"/>).</summary>
public enum StoreUnavailableAction
{
    /// <summary>Fail closed (the default): <see cref="MilterStore.UnavailableVerdict"/>, a 451 4.3.0; the MTA defers the mail and the sender retries. Nothing passes against the policy.</summary>
    Tempfail,

    /// <summary>Fail open: <see cref="MilterVerdict.Continue"/>; mail flows unchecked while the store is away.</summary>
    Continue,
}
