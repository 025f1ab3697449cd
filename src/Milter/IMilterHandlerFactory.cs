namespace Milter;

/// <summary>Creates one handler per SMTP connection and describes what the handlers need. The source generator emits one per attributed class.</summary>
public interface IMilterHandlerFactory
{
    /// <summary>What the handlers need from the MTA; negotiated on every connection.</summary>
    MilterDescription Description { get; }

    /// <summary>Creates the handler for a new SMTP connection. Disposable handlers are disposed when the connection ends.</summary>
    IMilterHandler CreateHandler();
}

/// <summary>The handler factories: for a generated filter class, or from a description and a creation function.</summary>
public static class MilterHandlerFactory
{
    /// <summary>A factory that creates <typeparamref name="TFilter"/> instances, resolving constructor parameters from <paramref name="services"/>.</summary>
    public static IMilterHandlerFactory For<TFilter>(IServiceProvider? services = null) where TFilter : IMilterFilter<TFilter> =>
        new FilterFactory<TFilter>(services);

    /// <summary>A factory that calls <paramref name="create"/> for each connection.</summary>
    public static IMilterHandlerFactory Create(MilterDescription description, Func<IMilterHandler> create)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(create);
        return new DelegateFactory(description, create);
    }

    private sealed class FilterFactory<TFilter>(IServiceProvider? services) : IMilterHandlerFactory where TFilter : IMilterFilter<TFilter>
    {
        public MilterDescription Description => TFilter.Description;

        public IMilterHandler CreateHandler() => TFilter.Create(services);
    }

    private sealed class DelegateFactory(MilterDescription description, Func<IMilterHandler> create) : IMilterHandlerFactory
    {
        public MilterDescription Description => description;

        public IMilterHandler CreateHandler() => create();
    }
}
