using Keelson.Tls;

namespace Keelson.Agent.Omaha;

/// <summary>The HTTP client of the agent's Omaha exchanges, downloads and FleetLock requests.</summary>
public static class AgentHttp
{
    /// <summary>A client that trusts the system's CAs and those of <paramref name="tls"/>, presenting its client certificate if any.</summary>
    public static HttpClient Create(ClientTls? tls = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) };
        tls?.Apply(handler);
        return new HttpClient(handler)
        {
            // Omaha exchanges are small; downloads read their body after the headers, outside this timeout.
            Timeout = TimeSpan.FromMinutes(2),
        };
    }
}
