using System.Net;
using System.Net.Http.Headers;
using Keelson.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace Keelson.IntegrationTests;

/// <summary>The admin API needs the admin token; what machines and probes use does not.</summary>
public sealed class AdminAuthTests(ITestOutputHelper log)
{
    [Fact]
    public async Task Admin_api_refuses_requests_without_the_token_while_health_and_omaha_need_none()
    {
        await using var keelson = new KeelsonProcess(log);
        var server = await keelson.StartServerAsync();

        using (var anonymous = await server.Http.GetAsync("/api/apps"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains(anonymous.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/apps"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
            using var response = await server.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A refused write changes nothing.
        using (var create = new HttpRequestMessage(HttpMethod.Post, "/api/apps/e96281a6-d1af-4bde-9a0a-97b76e56dc57/channels"))
        {
            create.Content = new StringContent("""{"name":"sneaky"}""", new MediaTypeHeaderValue("application/json"));
            using var response = await server.Http.SendAsync(create);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var authorized = server.AdminRequest(HttpMethod.Get, "/api/apps/e96281a6-d1af-4bde-9a0a-97b76e56dc57/channels"))
        {
            using var response = await server.Http.SendAsync(authorized);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var channels = Json.Parse(await response.Content.ReadAsStringAsync());
            Assert.DoesNotContain(channels.GetProperty("items").EnumerateArray(), c => c.GetProperty("name").GetString() == "sneaky");
        }

        using (var health = await server.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var check = await OmahaCheck.PostAsync(server.Http, OmahaCheck.Sample("request-updatecheck.xml"));
        Assert.True(check.Status == "noupdate", check.Xml);
    }
}
