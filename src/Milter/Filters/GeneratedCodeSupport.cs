using System.ComponentModel;

namespace Milter.Generated;

/// <summary>Helpers the generated code calls; not meant for hand-written code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedCodeSupport
{
    /// <summary>A completed CONTINUE.</summary>
    public static ValueTask<MilterVerdict> Continue => ValueTask.FromResult(MilterVerdict.Continue);

    /// <summary>Adapts a verdict.</summary>
    public static ValueTask<MilterVerdict> From(MilterVerdict verdict) => ValueTask.FromResult(verdict);

    /// <summary>Adapts a task with a verdict.</summary>
    public static ValueTask<MilterVerdict> From(Task<MilterVerdict> task) => new(task);

    /// <summary>Adapts a task without a verdict: CONTINUE once it completes.</summary>
    public static ValueTask<MilterVerdict> From(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.IsCompletedSuccessfully ? Continue : Await(task);

        static async ValueTask<MilterVerdict> Await(Task task)
        {
            await task.ConfigureAwait(false);
            return MilterVerdict.Continue;
        }
    }

    /// <summary>Adapts a value task without a verdict: CONTINUE once it completes.</summary>
    public static ValueTask<MilterVerdict> From(ValueTask task)
    {
        return task.IsCompletedSuccessfully ? Continue : Await(task);

        static async ValueTask<MilterVerdict> Await(ValueTask task)
        {
            await task.ConfigureAwait(false);
            return MilterVerdict.Continue;
        }
    }

    /// <summary>Resolves a required constructor parameter.</summary>
    /// <exception cref="InvalidOperationException">No provider, or the provider has no such service.</exception>
    public static T Resolve<T>(IServiceProvider? services, string filter, string parameter) where T : notnull
    {
        if (services?.GetService(typeof(T)) is T service)
            return service;
        throw new InvalidOperationException(services is null
            ? $"{filter} needs a {typeof(T).Name} for its constructor parameter '{parameter}', and no service provider was given. Pass one (Milter.Hosting does) or give the parameter a default value."
            : $"{filter} needs a {typeof(T).Name} for its constructor parameter '{parameter}', and the service provider has none registered.");
    }

    /// <summary>Resolves an optional constructor parameter (nullable or with a default value).</summary>
    public static T ResolveOptional<T>(IServiceProvider? services, T fallback) =>
        services?.GetService(typeof(T)) is T service ? service : fallback;
}
