namespace Keelson.Limits;

/// <summary>
/// A cap on how many of something may exist at once (FleetLock groups, open connections): <paramref name="Max"/>,
/// 0 turns it off. Named like <see cref="RateLimit"/> for the refusal and its log line.
/// </summary>
public sealed record Cap(string Name, string What, string Setting, int Max)
{
    public bool IsOn => Max > 0;

    /// <summary>The sentence a refused client reads.</summary>
    public string Describe() => $"limit '{Name}': at most {Max} {What} (set by {Setting}, 0 turns it off)";
}
