using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Milter.Client;
using Milter.State;

namespace Milter.Testing.Tests;

/// <summary>
/// Runs the Greylist and RateLimit samples in memory on a SQLite store in a file of the test's own and a clock the
/// test moves; two "instances" are two stores on the same file, as two milter processes on one machine would be. Each
/// message comes on a milter connection of its own, as each SMTP session of a real MTA does.
/// </summary>
internal sealed class StateSamples : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("milter-state-samples-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    public static readonly byte[] Message = "From: <a@example.org>\r\nTo: <b@example.net>\r\nSubject: hi\r\n\r\nHello.\r\n"u8.ToArray();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A milter instance of <typeparamref name="TFilter"/> with <paramref name="settings"/>, on the shared file (or a store of its own): it sends a message in a session of its own.</summary>
    public Func<Envelope, Task<MilterTestResult>> Instance<TFilter>(object settings, MilterStore? store = null) where TFilter : IMilterFilter<TFilter>
    {
        store ??= Store();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton(store)
            .AddSingleton(settings.GetType(), settings)
            .BuildServiceProvider();
        _owned.Add(services);
        return async envelope =>
        {
            await using var session = MilterTest.For<TFilter>(services);
            return await session.SendAsync(Message, envelope);
        };
    }

    /// <summary>A store on the shared file, or on <paramref name="options"/>.</summary>
    public MilterStore Store(MilterStoreOptions? options = null)
    {
        var store = MilterStore.Create(options ?? new MilterStoreOptions { SqlitePath = Path.Combine(_directory, "state.db") }, time: Clock);
        _owned.Add(store);
        return store;
    }

    /// <summary>An envelope from <paramref name="client"/>, authenticated as <paramref name="user"/> when given ({auth_authen} at MAIL).</summary>
    public static Envelope From(string client, string sender, string recipient, string? user = null) => new(sender, [recipient])
    {
        ClientAddress = client,
        Macros = user is null ? new Dictionary<char, IReadOnlyDictionary<string, string>>()
            : new Dictionary<char, IReadOnlyDictionary<string, string>> { ['M'] = new Dictionary<string, string> { ["{auth_authen}"] = user } },
    };

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
