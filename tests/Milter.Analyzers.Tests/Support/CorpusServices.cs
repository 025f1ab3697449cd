using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Milter.Analyzers.Tests.Support;

/// <summary>
/// The services a corpus filter's constructor asks for, made from the user's own assembly as a container would:
/// every implementation for IEnumerable&lt;T&gt;, the first implementation for an interface, the constructor with the most
/// parameters for a class (plain values defaulted), loggers that write into one list, and the alias map the
/// envelope rewriter reads.
/// </summary>
internal sealed class CorpusServices(Assembly user, ILoggerFactory logs) : IServiceProvider
{
    /// <summary>The alias the runtime corpus message is addressed to, and where the rewriter sends it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string> { ["alias@example.org"] = "real@example.org" };

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IReadOnlyDictionary<string, string>))
            return Aliases;
        if (serviceType == typeof(ILogger))
            return logs.CreateLogger("corpus");
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>))
            return Activator.CreateInstance(typeof(Logger<>).MakeGenericType(serviceType.GetGenericArguments()), logs);
        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GetGenericArguments()[0];
            var all = Implementations(element).Select(Build).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            Array.Copy(all, array, all.Length);
            return array;
        }

        if (serviceType.Assembly != user)
            return null;
        return serviceType.IsInterface || serviceType.IsAbstract ? Implementations(serviceType).Select(Build).FirstOrDefault() : Build(serviceType);
    }

    private IEnumerable<Type> Implementations(Type service) =>
        user.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && service.IsAssignableFrom(t)
            && t.GetCustomAttribute<MailFilterAttribute>() is null);

    private object Build(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => GetService(p.ParameterType)
            ?? (p.HasDefaultValue ? p.DefaultValue : p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType)
                : p.ParameterType == typeof(byte[]) ? new byte[32] : p.ParameterType == typeof(string) ? "corpus" : null)).ToArray();
        return constructor.Invoke(arguments);
    }
}
