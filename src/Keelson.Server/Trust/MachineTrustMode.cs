namespace Keelson.Server.Trust;

/// <summary>
/// Which machines' reports may move a rollout (<c>keelson server --machine-trust</c>): change a machine's status, take
/// an update slot, take or free a reboot slot.
/// </summary>
public enum MachineTrustMode
{
    /// <summary>Every request: whoever reaches the Omaha and FleetLock endpoints is believed (the CoreOS default).</summary>
    Any,

    /// <summary>Requests carrying a live token of role <c>machine</c> (the password of HTTP basic credentials, or a bearer token).</summary>
    Token,

    /// <summary>Requests over mTLS whose client certificate names the machine id they act for.</summary>
    Certificate,
}
