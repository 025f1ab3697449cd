namespace Milter.State;

/// <summary>
/// The Redis store's operations that need more than one command, as Lua scripts Redis runs atomically. Times come
/// from Redis's TIME, so instances whose clocks differ agree on what has expired.
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS[1] the counter, ARGV[1] the window in ms; returns { count, ms left }. The first increment starts the window.</summary>
    public const string Increment = """
        local count = redis.call('INCR', KEYS[1])
        local left = redis.call('PTTL', KEYS[1])
        if left < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          left = tonumber(ARGV[1])
        end
        return { count, left }
        """;

    /// <summary>
    /// KEYS[1] the set, ARGV[1] the member, ARGV[2] its lifetime in ms. A sorted set scored by expiry time: members
    /// expire one by one, the expired ones are dropped on each add, and the key itself lives as long as its newest member.
    /// </summary>
    public const string AddToSet = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lifetime = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZADD', KEYS[1], now + lifetime, ARGV[1])
        if redis.call('PTTL', KEYS[1]) < lifetime then
          redis.call('PEXPIRE', KEYS[1], lifetime)
        end
        return 1
        """;

    /// <summary>KEYS[1] the set, ARGV[1] the member; 1 when it is there and its expiry is still ahead.</summary>
    public const string SetContains = """
        local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not expires then return 0 end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if tonumber(expires) > now then return 1 end
        return 0
        """;

    /// <summary>KEYS[1] the key, ARGV[1] the expected value, ARGV[2] the new one, ARGV[3] its lifetime in ms; 1 when replaced.</summary>
    public const string ReplaceIfEqual = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          return 1
        end
        return 0
        """;
}
