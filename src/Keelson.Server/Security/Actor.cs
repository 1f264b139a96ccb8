namespace Keelson.Server.Security;

/// <summary>Who made a change and from which address (the proxy's client when the server trusts that proxy).</summary>
public sealed record Actor(Caller Caller, string? Address)
{
    public static Actor Of(Caller caller, Microsoft.AspNetCore.Http.HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        return new Actor(caller, address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
    }
}
