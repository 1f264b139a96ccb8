namespace Keelson.Coordination.Locks;

/// <summary>The answer to a lock request.</summary>
/// <param name="Acquired">True when the holder now holds a slot (also when it held one already).</param>
/// <param name="Detail">Why not, in words an operator can act on (e.g. <c>all 2 slots are held: m1, m2</c>); empty when acquired.</param>
public sealed record LockOutcome(bool Acquired, string Detail)
{
    public static LockOutcome Granted { get; } = new(true, "");

    public static LockOutcome Refused(string detail) => new(false, detail);
}
