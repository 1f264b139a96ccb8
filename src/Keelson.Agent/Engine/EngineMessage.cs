using System.Runtime.ExceptionServices;
using Keelson.Agent.Status;

namespace Keelson.Agent.Engine;

/// <summary>
/// What the engine's loop reads from its inbox: the control socket's commands, SIGHUP, and what the activity it
/// started reports (progress, a wait, its result). Activity messages carry the activity's number; those of an
/// activity the loop has since abandoned are dropped.
/// </summary>
internal abstract record EngineMessage
{
    private EngineMessage()
    {
    }

    public sealed record Command(EngineCommand Kind, TaskCompletionSource<ControlReply> Reply) : EngineMessage;

    public sealed record Reload : EngineMessage;

    public abstract record FromActivity(long Activity) : EngineMessage;

    public sealed record Progress(long Activity, double Fraction) : FromActivity(Activity);

    public sealed record RebootWaiting(long Activity, RebootWait Wait) : FromActivity(Activity);

    public sealed record LockDecided(long Activity, string Why) : FromActivity(Activity);

    public sealed record Done(long Activity, ActivityResult Result) : FromActivity(Activity);

    public sealed record Failed(long Activity, UpdateEngineException Error) : FromActivity(Activity);

    /// <summary>An activity failed in a way the engine does not expect (a bug, or the disk gone): the agent stops with it.</summary>
    public sealed record Crashed(long Activity, ExceptionDispatchInfo Error) : FromActivity(Activity);
}
