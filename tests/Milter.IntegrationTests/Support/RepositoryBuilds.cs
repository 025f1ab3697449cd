namespace Milter.IntegrationTests.Support;

/// <summary>Tests that build projects of this repository (publish, pack) run one at a time: they share obj/ folders.</summary>
[CollectionDefinition(Name)]
public sealed class RepositoryBuilds
{
    public const string Name = "Builds the repository";
}
