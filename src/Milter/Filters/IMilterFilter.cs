namespace Milter;

/// <summary>
/// A milter class the source generator completed: it describes itself and creates its instances without
/// reflection. Implemented by generated code for every <see cref="MailFilterAttribute"/> class.
/// </summary>
/// <typeparam name="TSelf">The filter class.</typeparam>
public interface IMilterFilter<TSelf> where TSelf : IMilterFilter<TSelf>
{
    /// <summary>What the filter needs from the MTA, worked out at compile time.</summary>
    static abstract MilterDescription Description { get; }

    /// <summary>Creates an instance for one SMTP connection; constructor parameters come from <paramref name="services"/>.</summary>
    static abstract IMilterHandler Create(IServiceProvider? services);
}
