namespace Keelson.Coordination.FleetLock;

/// <summary>
/// The <c>kind</c> values of FleetLock error bodies. The protocol requires a small, fixed set (clients count them in
/// metrics); the names follow the specification's example and Airlock's.
/// </summary>
public static class FleetLockErrorKinds
{
    /// <summary>400: the header, the body, the id or the group is missing or malformed (Airlock's kind).</summary>
    public const string InvalidClientIdentity = "invalid_client_identity";

    /// <summary>409 from a Keelson server: every slot of the group is held; ask again later (the specification's example).</summary>
    public const string SemaphoreFull = "failed_lock_semaphore_full";

    /// <summary>Airlock's answer when it could not take a slot (full, or a write conflict); also "ask again later".</summary>
    public const string FailedLock = "failed_lock";

    /// <summary>Airlock's answer for a group it is not configured for; Keelson servers accept every valid group.</summary>
    public const string UnknownGroup = "unknown_group";

    /// <summary>403: the request may not act for the machine it names (the server requires a token or certificate).</summary>
    public const string UntrustedClient = "untrusted_client";

    /// <summary>503: the server's store (etcd, its database) failed; asking again may help.</summary>
    public const string StoreFailed = "lock_store_failed";

    /// <summary>429: a limit of the server against floods (its most groups) refused the request; the value names the limit.</summary>
    public const string LimitReached = "limit_reached";

    /// <summary>500: anything else went wrong in the server (Airlock's fallback kind).</summary>
    public const string GenericError = "generic_error";

    /// <summary>Kinds that mean "no slot now", as opposed to a failure: a lock answered with one is refused, not broken.</summary>
    public static bool MeansBusy(string? kind) => kind is SemaphoreFull or FailedLock;
}
