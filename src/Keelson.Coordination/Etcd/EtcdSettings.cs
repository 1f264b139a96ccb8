using System.Text;

namespace Keelson.Coordination.Etcd;

/// <summary>
/// Where an etcd v3 cluster is and how to talk to it: locksmith's <c>-endpoint</c>, <c>-etcd-cafile</c>,
/// <c>-etcd-certfile</c>, <c>-etcd-keyfile</c>, <c>-etcd-username</c> and <c>-etcd-password</c>.
/// </summary>
/// <param name="Endpoints">The client URLs (<c>http://</c> or <c>https://</c>) of one or more members; calls go to one and move to the next when it cannot be reached.</param>
public sealed record EtcdSettings(IReadOnlyList<Uri> Endpoints)
{
    /// <summary>etcd's default client URL, on this machine.</summary>
    public static Uri DefaultEndpoint { get; } = new("http://127.0.0.1:2379");

    /// <summary>How long one call to one member may take before it counts as unreachable.</summary>
    public static TimeSpan DefaultCallTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>PEM file of the CA that signed the members' certificates; <c>https</c> members are trusted only when that CA signed them. Without it the system's CAs are used.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM certificate this client presents to members that ask for one (<c>--client-cert-auth</c>); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>etcd user to authenticate as (etcd's auth enabled); needs <see cref="Password"/>.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>How long one call to one member may take (<see cref="DefaultCallTimeout"/> unless set).</summary>
    public TimeSpan CallTimeout { get; init; } = DefaultCallTimeout;

    /// <summary>The settings without the password, which must not reach a log.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("EtcdSettings { Endpoints = ").AppendJoin(',', Endpoints);
        Append(text, nameof(CaFile), CaFile);
        Append(text, nameof(CertFile), CertFile);
        Append(text, nameof(KeyFile), KeyFile);
        Append(text, nameof(Username), Username);
        Append(text, nameof(Password), Password is null ? null : "***");
        return text.Append(", CallTimeout = ").Append(CallTimeout).Append(" }").ToString();
    }

    private static void Append(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(", ").Append(name).Append(" = ").Append(value);
        }
    }
}
