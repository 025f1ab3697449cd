namespace Milter;

/// <summary>Creates one handler per SMTP connection and describes what the handlers need. The source generator emits one per attributed class.</summary>
public interface IMilterHandlerFactory
{
    /// <summary>What the handlers need from the MTA; negotiated on every connection.</summary>
    MilterDescription Description { get; }

    /// <summary>Creates the handler for a new SMTP connection. Disposable handlers are disposed when the connection ends.</summary>
    IMilterHandler CreateHandler();
}

/// <summary>Builds a handler factory from a description and a creation function.</summary>
public static class MilterHandlerFactory
{
    /// <summary>A factory that calls <paramref name="create"/> for each connection.</summary>
    public static IMilterHandlerFactory Create(MilterDescription description, Func<IMilterHandler> create)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(create);
        return new DelegateFactory(description, create);
    }

    private sealed class DelegateFactory(MilterDescription description, Func<IMilterHandler> create) : IMilterHandlerFactory
    {
        public MilterDescription Description => description;

        public IMilterHandler CreateHandler() => create();
    }
}
