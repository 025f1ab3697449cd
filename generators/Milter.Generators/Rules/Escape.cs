using Microsoft.CodeAnalysis;

namespace Milter.Generators.Rules;

/// <summary>A place where the end-of-message context reaches code the flow cannot read.</summary>
/// <param name="Location">The call.</param>
/// <param name="Reason">Why, in words, for the diagnostic.</param>
/// <param name="Owner">The method (or the type, for an initializer) whose code makes the call: where [UsesActions] goes.</param>
internal sealed record Escape(Location Location, string Reason, ISymbol Owner);
