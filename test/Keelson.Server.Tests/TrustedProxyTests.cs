using System.Net;
using System.Text;

namespace Keelson.Server.Tests;

/// <summary>Behind nginx, a machine is recorded with the address the trusted proxy forwards, and only then.</summary>
public sealed class TrustedProxyTests
{
    private static async Task<string> RecordedAddressAsync(TestServer server, string machineId, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/update/")
        {
            Content = new StringContent(OmahaXml.Request(machineId, "2512.2.0", "stable", "<updatecheck></updatecheck>"), Encoding.UTF8, "text/xml"),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await server.InstanceAsync(machineId)).Instance.Ip;
    }

    [Fact]
    public async Task A_trusted_proxy_names_the_machine_s_address_and_the_nearest_hop_wins()
    {
        await using var server = await TestServer.StartAsync(options => options.TrustedProxies.Add(IPNetwork.Parse("127.0.0.0/8")));

        Assert.Equal("203.0.113.7", await RecordedAddressAsync(server, "behind-proxy", "203.0.113.7"));
        // A machine that sends its own header through the proxy: nginx appends the real peer, and only that one counts.
        Assert.Equal("198.51.100.2", await RecordedAddressAsync(server, "spoofing", "192.0.2.66, 198.51.100.2"));
        Assert.Equal("127.0.0.1", await RecordedAddressAsync(server, "direct", null));
    }

    [Fact]
    public async Task Without_a_trusted_proxy_a_forwarded_header_is_ignored()
    {
        await using var server = await TestServer.StartAsync();

        Assert.Equal("127.0.0.1", await RecordedAddressAsync(server, "claims-another-address", "203.0.113.7"));
    }

    [Fact]
    public async Task A_proxy_outside_the_trusted_networks_is_not_believed()
    {
        await using var server = await TestServer.StartAsync(options => options.TrustedProxies.Add(IPNetwork.Parse("10.0.0.0/8")));

        Assert.Equal("127.0.0.1", await RecordedAddressAsync(server, "untrusted-proxy", "203.0.113.7"));
    }
}
