using Microsoft.CodeAnalysis;

namespace Milter.Analyzers;

/// <summary>How well-known framework methods run the delegates handed to them.</summary>
internal static class KnownCallbacks
{
    /// <summary>Runs the delegate before it returns (LINQ runs it while the result is enumerated, in practice right away).</summary>
    public static bool RunsSynchronously(IMethodSymbol method) => Owner(method) switch
    {
        "System.Linq.Enumerable" => true,
        "System.Collections.Generic.List<T>" => method.Name is "ForEach" or "Find" or "FindAll" or "FindIndex" or "FindLast" or "FindLastIndex"
            or "Exists" or "TrueForAll" or "RemoveAll" or "ConvertAll" or "Sort",
        "System.Array" => method.Name is "ForEach" or "Find" or "FindAll" or "FindIndex" or "FindLast" or "FindLastIndex"
            or "Exists" or "TrueForAll" or "ConvertAll" or "Sort",
        "System.Collections.Concurrent.ConcurrentDictionary<TKey, TValue>" => method.Name is "GetOrAdd" or "AddOrUpdate",
        _ => false,
    };

    /// <summary>Starts the delegate as a task: it runs within the handler only if the handler awaits that task.</summary>
    public static bool StartsTask(IMethodSymbol method) => Owner(method) switch
    {
        "System.Threading.Tasks.Task" => method.Name == "Run",
        "System.Threading.Tasks.TaskFactory" or "System.Threading.Tasks.TaskFactory<TResult>" => method.Name == "StartNew",
        _ => false,
    };

    /// <summary>
    /// Queues the delegate on the thread pool or a timer, with nothing to wait for: it runs after the handler returns,
    /// and an exception there ends the process. Returns a description of the thread, or null.
    /// </summary>
    public static string? QueuesCallback(IMethodSymbol method) => Owner(method) switch
    {
        "System.Threading.ThreadPool" when method.Name is "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" or "RegisterWaitForSingleObject" or "UnsafeRegisterWaitForSingleObject" =>
            $"the thread pool (ThreadPool.{method.Name})",
        "System.Threading.Timer" when method.MethodKind == MethodKind.Constructor => "a timer thread (System.Threading.Timer)",
        _ => null,
    };

    /// <summary>Runs the delegate on a thread of its own (joinable, so not certainly after the handler).</summary>
    public static bool StartsThread(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Constructor && Owner(method) == "System.Threading.Thread";

    /// <summary>Whether a type is Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public static bool IsTaskType(ITypeSymbol? type) => type is INamedTypeSymbol named
        && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" && named.Name is "Task" or "ValueTask";

    private static string Owner(IMethodSymbol method) => method.ContainingType.OriginalDefinition.ToDisplayString();
}
