namespace Milter.State.Tests.Support;

/// <summary>
/// Tests that run by themselves, after the others: the fault tests load the machine (hundreds of decisions against a
/// frozen Redis) and would skew the timings of the store contract tests, and the start-up tests set the process's exit
/// code and environment.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "alone";
}
