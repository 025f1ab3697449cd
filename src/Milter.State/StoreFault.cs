namespace Milter.State;

/// <summary>Why the store could not carry out an operation: the kind of fault a log line and a readiness check name.</summary>
public enum StoreFault
{
    /// <summary>No answer within <see cref="MilterStoreOptions.Timeout"/>: Redis frozen, overloaded or behind a network that swallows packets; SQLite held longer than that.</summary>
    Timeout,

    /// <summary>The connection was refused, reset or lost: Redis stopped, restarting or unreachable.</summary>
    ConnectionFailed,

    /// <summary>The store's host name does not resolve.</summary>
    UnknownHost,

    /// <summary>Redis refuses our credentials: a wrong or missing password or user (WRONGPASS, NOAUTH).</summary>
    AuthenticationFailed,

    /// <summary>The TLS handshake failed: the server's certificate is not trusted (wrong CA, wrong name) or ours was refused.</summary>
    CertificateRejected,

    /// <summary>Redis answered with an error: LOADING after a restart, READONLY on a replica, MISCONF, OOM.</summary>
    ServerError,

    /// <summary>An answer the client could not read: a protocol error, or a reply of an unexpected shape.</summary>
    ProtocolError,

    /// <summary>The store was closed (the host is stopping).</summary>
    Closed,

    /// <summary>The SQLite database is locked by another connection or process (SQLITE_BUSY, SQLITE_LOCKED).</summary>
    Locked,

    /// <summary>The SQLite database cannot be written: a read-only file, directory or file system.</summary>
    ReadOnly,

    /// <summary>The disk or file system holding the SQLite database is full.</summary>
    DiskFull,

    /// <summary>The SQLite file is damaged or is not a database.</summary>
    Corrupt,

    /// <summary>The operating system reported an I/O error on the SQLite file.</summary>
    IOError,

    /// <summary>The SQLite file cannot be opened: a missing directory, no permission.</summary>
    CannotOpen,

    /// <summary>Anything else the store's client raised.</summary>
    Other,
}
