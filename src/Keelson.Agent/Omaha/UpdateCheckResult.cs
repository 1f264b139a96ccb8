namespace Keelson.Agent.Omaha;

/// <summary>The server's answer to an update check: an offer, or none; and how soon to ask again if it said.</summary>
public sealed record UpdateCheckResult(UpdateOffer? Offer, TimeSpan? PollInterval)
{
    public bool UpdateAvailable => Offer is not null;
}
