using System.Diagnostics;

namespace Milter.Tests.Support;

/// <summary>Listens to the Milter source and keeps the message activities that stopped.</summary>
internal sealed class MessageActivities : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<Activity> _stopped = [];

    public MessageActivities()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MilterTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_stopped)
                    _stopped.Add(activity);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public List<Activity> Of(MilterSession session)
    {
        lock (_stopped)
            return [.. _stopped.Where(a => Equals(a.GetTagItem("milter.connection.id"), session.ConnectionId))];
    }

    /// <summary>Every message activity that stopped so far.</summary>
    public List<Activity> All()
    {
        lock (_stopped)
            return [.. _stopped];
    }

    public void Dispose() => _listener.Dispose();
}
