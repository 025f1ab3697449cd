namespace Milter.IntegrationTests.Support;

/// <summary>A message in a Postfix queue (postqueue -j): its id, the queue (incoming, active, deferred, hold) and why each recipient waits.</summary>
internal sealed record QueuedMessage(string QueueId, string Queue, IReadOnlyList<string> Reasons);
