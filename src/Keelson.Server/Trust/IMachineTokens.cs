namespace Keelson.Server.Trust;

/// <summary>The machine tokens an operator made (<c>keelson token create NAME --role machine</c>).</summary>
public interface IMachineTokens
{
    /// <summary>The name of the live machine token whose secret is <paramref name="secret"/>; null for any other secret.</summary>
    /// <remarks>Called on every check of a fleet that requires tokens: it must answer from memory.</remarks>
    ValueTask<string?> FindAsync(string secret, CancellationToken cancellationToken);
}
