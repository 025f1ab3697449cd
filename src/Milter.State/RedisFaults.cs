using System.Net.Sockets;
using System.Security.Authentication;
using StackExchange.Redis;

namespace Milter.State;

/// <summary>
/// What a StackExchange.Redis error means for an operator, in a fault kind and a short reason. The client's own
/// messages run to a kilobyte of connection state; the reason is a few words and, for an error Redis answered, its
/// first line (Redis never echoes a password).
/// </summary>
internal static class RedisFaults
{
    public static (StoreFault Fault, string Reason) Classify(Exception error) => error switch
    {
        RedisConnectionException connection => Connection(connection),
        RedisServerException server => Server(server.Message),
        TimeoutException => (StoreFault.Timeout, "no answer in time"),
        AuthenticationException tls => (StoreFault.CertificateRejected, "TLS handshake failed: " + FaultText.FirstLine(tls.Message)),
        SocketException socket => Socket(socket),
        ObjectDisposedException => (StoreFault.Closed, "the connection is closed"),
        RedisCommandException or InvalidCastException or FormatException => (StoreFault.ProtocolError, "an unexpected reply: " + FaultText.FirstLine(error.Message)),
        IOException => (StoreFault.ConnectionFailed, "connection lost: " + FaultText.FirstLine(error.Message)),
        OperationCanceledException => (StoreFault.ConnectionFailed, "the client abandoned the operation (connection lost)"),
        _ => (StoreFault.Other, $"{error.GetType().Name}: {FaultText.FirstLine(error.Message)}"),
    };

    private static (StoreFault, string) Connection(RedisConnectionException outer)
    {
        // "No connection is available" carries the last connection error inside: that one says why.
        var error = outer;
        for (var e = outer.InnerException; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException { FailureType: not ConnectionFailureType.UnableToConnect } specific)
                error = specific;
        }

        var inner = Innermost(error);
        return error.FailureType switch
        {
            ConnectionFailureType.AuthenticationFailure when Find<AuthenticationException>(error) is { } tls =>
                (StoreFault.CertificateRejected, "TLS handshake failed: " + FaultText.FirstLine(tls.Message)),
            ConnectionFailureType.AuthenticationFailure when Find<RedisServerException>(error) is { } refused => Server(refused.Message),
            ConnectionFailureType.AuthenticationFailure => (StoreFault.AuthenticationFailed, "authentication failed: a wrong or missing password or user"),
            ConnectionFailureType.UnableToResolvePhysicalConnection when Find<SocketException>(error) is { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
                (StoreFault.UnknownHost, "the host name does not resolve"),
            ConnectionFailureType.ProtocolFailure => (StoreFault.ProtocolError, "a protocol error: " + FaultText.FirstLine(inner.Message)),
            ConnectionFailureType.Loading => (StoreFault.ServerError, "LOADING: Redis is loading its data after a restart"),
            ConnectionFailureType.ConnectionDisposed => (StoreFault.Closed, "the connection is closed"),
            _ when Find<SocketException>(error) is { } socket => Socket(socket),
            ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection =>
                (StoreFault.ConnectionFailed, "cannot connect: refused or unreachable"),
            ConnectionFailureType.SocketFailure or ConnectionFailureType.SocketClosed => (StoreFault.ConnectionFailed, "connection lost"),
            _ => (StoreFault.ConnectionFailed, $"no connection ({error.FailureType})"),
        };
    }

    private static (StoreFault, string) Server(string message)
    {
        var line = FaultText.FirstLine(message);
        return line.StartsWith("WRONGPASS", StringComparison.Ordinal) || line.StartsWith("NOAUTH", StringComparison.Ordinal)
            || line.StartsWith("NOPERM", StringComparison.Ordinal)
            ? (StoreFault.AuthenticationFailed, "authentication failed: " + line)
            : (StoreFault.ServerError, line);
    }

    private static (StoreFault, string) Socket(SocketException error) => error.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => (StoreFault.UnknownHost, "the host name does not resolve"),
        SocketError.ConnectionRefused => (StoreFault.ConnectionFailed, "connection refused"),
        SocketError.TimedOut => (StoreFault.Timeout, "connecting timed out"),
        _ => (StoreFault.ConnectionFailed, $"connection failed ({error.SocketErrorCode})"),
    };

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
                return found;
        }

        return null;
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
            error = error.InnerException;
        return error;
    }
}
