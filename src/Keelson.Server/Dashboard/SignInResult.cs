namespace Keelson.Server.Dashboard;

/// <summary>What came of a dashboard sign-in.</summary>
internal enum SignInResult
{
    SignedIn,

    /// <summary>No token, or one this server does not know.</summary>
    Unknown,

    /// <summary>A token whose role may not read the dashboard (a machine's).</summary>
    Refused,
}
