namespace Keelson.Server.Security;

/// <summary>
/// Who is making the change now being made: set by the admin API and the dashboard around each request, read by
/// the activity log when it records a change. It flows with the request's async calls (as
/// <see cref="System.Diagnostics.Activity.Current"/> does), so that the services the API, the dashboard and the
/// machines' endpoints share need no "who" parameter; a change made outside a request (a machine's report, a
/// rollout halted by the server itself) has no actor.
/// </summary>
public static class AuditScope
{
    private static readonly AsyncLocal<Actor?> s_current = new();

    /// <summary>The caller of the request in progress, or null outside one.</summary>
    public static Actor? Current => s_current.Value;

    /// <summary>Makes <paramref name="actor"/> the one changes are recorded for until the returned scope ends.</summary>
    public static IDisposable Enter(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var previous = s_current.Value;
        s_current.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(Actor? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
