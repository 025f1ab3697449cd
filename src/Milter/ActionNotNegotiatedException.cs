using Milter.Protocol;

namespace Milter;

/// <summary>
/// A message change needs an action the MTA did not grant: the filter did not request it, or the MTA did not offer
/// it. The session answers the default verdict and logs the message, which names the action, the filter and the fix.
/// </summary>
public sealed class ActionNotNegotiatedException : InvalidOperationException
{
    /// <summary>Creates the exception for a change that needs <paramref name="action"/>.</summary>
    public ActionNotNegotiatedException(string operation, ActionFlags action, MilterDescription description, NegotiationResult negotiation)
        : base(Explain(operation, action, description, negotiation))
    {
        Operation = operation;
        Action = action;
        Filter = description?.Name;
    }

    /// <summary>The change attempted, e.g. <c>AddHeader</c>.</summary>
    public string Operation { get; }

    /// <summary>The action it needs.</summary>
    public ActionFlags Action { get; }

    /// <summary>The filter's name, when it has one.</summary>
    public string? Filter { get; }

    private static string Explain(string operation, ActionFlags action, MilterDescription description, NegotiationResult negotiation)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(negotiation);
        var filter = description.Name is { } name ? $"filter '{name}'" : "this milter";
        var offered = negotiation.Offer.Actions == ActionFlags.None ? ActionFlags.Version1Defaults : negotiation.Offer.Actions;
        if (((description.Actions | description.OptionalActions) & action) != 0 && (offered & action) == 0)
        {
            return $"{operation} needs the {action} action, which {filter} requested but the MTA does not offer (it offers {offered}); "
                + "upgrade the MTA, or make the change only when MilterContext.Negotiation.Actions has it.";
        }

        return $"{operation} needs the {action} action, which {filter} did not request (it requested {description.Actions}). "
            + "The source generator requests the actions of every change it can follow; this one is made where it cannot see. "
            + $"Fix: put [UsesActions(ActionFlags.{action})] on the method that makes the change, or ExtraActions = ActionFlags.{action} on [MailFilter] "
            + $"(a hand-written IMilterHandler: add ActionFlags.{action} to its MilterDescription.Actions).";
    }
}
