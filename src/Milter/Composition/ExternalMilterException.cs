namespace Milter;

/// <summary>The external milter sent something the relay cannot pass on (a change the MTA did not grant, an answer a step does not allow).</summary>
internal sealed class ExternalMilterException(string message) : Exception(message);
