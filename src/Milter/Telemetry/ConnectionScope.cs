using System.Collections;

namespace Milter;

/// <summary>
/// The logging scope of one milter connection: every line logged while it runs, by the runtime or by a handler, carries
/// the connection id, the MTA, the SMTP client's address and, once the MTA sent it, the queue id. The session updates
/// the values as they become known; a log provider reads them when it writes a line.
/// </summary>
/// <remarks>
/// Structured providers (JSON console, OpenTelemetry logs) see the pairs; text providers see <see cref="ToString"/>.
/// </remarks>
internal sealed class ConnectionScope(long connectionId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string ConnectionIdKey = "MilterConnectionId";
    public const string MtaKey = "Mta";
    public const string ClientKey = "ClientAddress";
    public const string QueueIdKey = "QueueId";

    private string? _text;
    private MtaKind _mta;
    private string? _client;
    private string? _queueId;

    public long ConnectionId { get; } = connectionId;

    public MtaKind Mta
    {
        get => _mta;
        set => Change(ref _mta, value);
    }

    public string? Client
    {
        get => _client;
        set => Change(ref _client, value);
    }

    public string? QueueId
    {
        get => _queueId;
        set => Change(ref _queueId, value);
    }

    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new(ConnectionIdKey, ConnectionId),
        1 => new(MtaKey, MtaName(_mta)),
        2 => new(ClientKey, _client),
        3 => new(QueueIdKey, _queueId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Made once per change, not per log line.</summary>
    public override string ToString() => _text ??=
        $"{ConnectionIdKey}:{ConnectionId} {MtaKey}:{MtaName(_mta)} Client:{_client ?? "-"} {QueueIdKey}:{_queueId ?? "-"}";

    internal static string MtaName(MtaKind mta) => mta switch
    {
        MtaKind.Postfix => "postfix",
        MtaKind.Sendmail => "sendmail",
        _ => "unknown",
    };

    private void Change<T>(ref T field, T value)
    {
        if (EqualityComparer<T>.Default.Equals(field, value))
            return;
        field = value;
        _text = null;
    }
}
