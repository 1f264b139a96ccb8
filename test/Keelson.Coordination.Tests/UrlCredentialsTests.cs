using System.Text;

namespace Keelson.Coordination.Tests;

public sealed class UrlCredentialsTests
{
    [Fact]
    public void The_password_of_the_url_is_sent_as_basic_authentication_and_never_shown()
    {
        var credentials = UrlCredentials.Of(new Uri("https://machine:s3cr%40t@updates.example.com:8443/v1/update/"));

        Assert.Equal("https://updates.example.com:8443/v1/update/", credentials.Url.ToString());
        Assert.Equal("Basic", credentials.Authorization!.Scheme);
        Assert.Equal("machine:s3cr@t", Encoding.UTF8.GetString(Convert.FromBase64String(credentials.Authorization.Parameter!)));
    }

    [Fact]
    public void A_url_without_user_information_carries_no_credentials()
    {
        var url = new Uri("http://127.0.0.1:8080/v1/update/");

        var credentials = UrlCredentials.Of(url);

        Assert.Same(url, credentials.Url);
        Assert.Null(credentials.Authorization);
        using var request = new HttpRequestMessage(HttpMethod.Post, credentials.Url);
        credentials.Apply(request);
        Assert.Null(request.Headers.Authorization);
    }
}
