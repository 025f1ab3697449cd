namespace Milter.Protocol;

/// <summary>Which side of the protocol wrote the frames a <see cref="MilterFrameReader"/> reads.</summary>
public enum FrameSource
{
    /// <summary>Frames from the MTA: commands (<see cref="MilterCommandCode"/>). A milter reads these.</summary>
    Mta,

    /// <summary>Frames from the milter: responses (<see cref="MilterResponseCode"/>). An MTA or client reads these.</summary>
    Milter,
}
