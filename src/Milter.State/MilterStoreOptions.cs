namespace Milter.State;

/// <summary>
/// Which store, and how it behaves: the <c>Milter:Store</c> configuration section by default. Setting
/// <see cref="Redis"/> is the one change that moves a milter from its own SQLite file to a Redis shared by several
/// instances (<c>Milter__Store__Redis=redis1:6379</c>). Read at start-up: a change needs a restart.
/// </summary>
public sealed class MilterStoreOptions
{
    /// <summary>The configuration section read by default.</summary>
    public const string SectionName = "Milter:Store";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>redis1:6379,defaultDatabase=2</c>, <c>redis1:6380,ssl=true,user=milter</c>).
    /// When set, the store is that Redis; when empty (the default), SQLite at <see cref="SqlitePath"/>. Keep the password
    /// out of it (<see cref="RedisPasswordFile"/>): a command line is visible to every user of the machine.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// A file whose first line is the Redis password (ACL or <c>requirepass</c>). A relative path is taken from systemd's
    /// <c>CREDENTIALS_DIRECTORY</c> when the unit loads it (<c>LoadCredential=redis-password:/etc/milter/redis-password</c>),
    /// else from the working directory. Takes precedence over a password in <see cref="Redis"/>.
    /// </summary>
    public string? RedisPasswordFile { get; set; }

    /// <summary>
    /// The Redis password itself, for an environment variable (<c>Milter__Store__RedisPassword</c>, from a systemd
    /// <c>EnvironmentFile=</c> readable by root only) or a secret store. Takes precedence over a password in <see cref="Redis"/>.
    /// </summary>
    public string? RedisPassword { get; set; }

    /// <summary>
    /// A PEM file of the certificate authority that signed the Redis server's certificate, trusted in addition to the
    /// system's. Setting it turns TLS on (as <c>ssl=true</c> in <see cref="Redis"/> does); the server's name must match its
    /// certificate (<c>sslHost=</c> when connecting by address). Relative paths as for <see cref="RedisPasswordFile"/>.
    /// </summary>
    public string? RedisCaFile { get; set; }

    /// <summary>A PEM client certificate for a Redis that checks clients' certificates (<c>tls-auth-clients yes</c>); turns TLS on.</summary>
    public string? RedisClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="RedisClientCertificateFile"/>, when it is not in the same file.</summary>
    public string? RedisClientKeyFile { get; set; }

    /// <summary>
    /// The SQLite database file. A relative path is taken from systemd's <c>STATE_DIRECTORY</c> when the unit has a
    /// <c>StateDirectory=</c>, else from the working directory. Default: milter-state.db.
    /// </summary>
    public string SqlitePath { get; set; } = "milter-state.db";

    /// <summary>
    /// The time budget of a decision (<see cref="MilterStore.DecideAsync"/>), every store operation in it together, and
    /// of each operation alone (default 2 s, far below the MTA's milter timeouts): past it, the store counts as
    /// unavailable and the decision answers <see cref="WhenUnavailable"/>.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>What a decision answers when the store is unavailable: <c>Tempfail</c> (fail closed, the default) or <c>Continue</c> (fail open).</summary>
    public StoreUnavailableAction WhenUnavailable { get; set; } = StoreUnavailableAction.Tempfail;

    /// <summary>
    /// Whether the host starts when the store refuses us at start: wrong credentials, an untrusted certificate, an
    /// unknown host, a SQLite file that cannot be opened or written. False (the default): one line in the log and exit
    /// code 78 (EX_CONFIG), so that a typo is found at deployment and not by the senders. A store that is merely down at
    /// start never stops it.
    /// </summary>
    public bool StartWhenRefused { get; set; }
}
