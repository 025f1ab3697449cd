namespace AuthMilter;

/// <summary>A private key others can read or replace, with RequireSafeKeys on: the filter does not start.</summary>
/// <param name="problem">The one line that names the file and its mode (<see cref="Milter.Authentication.KeyFileSafety.Problem"/>).</param>
public sealed class UnsafeKeyException(string problem) : Exception(problem);
