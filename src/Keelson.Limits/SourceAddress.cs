using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;

namespace Keelson.Limits;

/// <summary>
/// Who sent a request: the peer's address, or behind a trusted reverse proxy the address that proxy forwards in
/// <c>X-Forwarded-For</c>. The one rule that per-address limits, recorded machine addresses and log lines share.
/// </summary>
public static class SourceAddress
{
    /// <summary>
    /// Believes <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from peers in <paramref name="trustedProxies"/>
    /// only (the nearest hop wins); from any other peer the headers are ignored. Nothing is done when none is given.
    /// </summary>
    public static void UseTrustedProxies(this WebApplication app, IEnumerable<System.Net.IPNetwork> trustedProxies)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(trustedProxies);
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in trustedProxies)
        {
            forwarded.KnownIPNetworks.Add(proxy);
        }

        if (forwarded.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders(forwarded);
        }
    }

    /// <summary>The request's source address as text; empty when unknown (a test host).</summary>
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.RemoteIpAddress?.ToString() ?? "";
    }

    /// <summary>
    /// The key a source is limited by: its IPv4 address, or the /64 network of an IPv6 address (one host is
    /// given a whole /64 and could otherwise step around any per-address limit).
    /// </summary>
    public static string PartitionKey(IPAddress? address)
    {
        if (address is null)
        {
            return "";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
