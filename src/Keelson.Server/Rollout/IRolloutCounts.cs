namespace Keelson.Server.Rollout;

/// <summary>What the gate needs to know about the rest of the group; asked only when a rule needs it.</summary>
public interface IRolloutCounts
{
    /// <summary>Other machines of the group with a live (not timed out) grant of the version.</summary>
    Task<int> InProgressAsync(string version, DateTimeOffset grantedAfter, CancellationToken cancellationToken);

    /// <summary>Whether any machine of the group has completed the update to the version.</summary>
    Task<bool> AnyCompletedAsync(string version, CancellationToken cancellationToken);

    /// <summary>Grants made in the group since the instant.</summary>
    Task<int> GrantsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
