using System.Net;
using System.Net.Http.Headers;

namespace Keelson.IntegrationTests.Harness;

/// <summary>A <c>keelson server</c> process started by <see cref="KeelsonProcess.StartServerAsync"/>.</summary>
public sealed class RunningServer : IDisposable
{
    internal RunningServer(RunningProcess process, Uri url, string dataDirectory, string? token)
    {
        Process = process;
        Url = url;
        DataDirectory = dataDirectory;
        Token = token;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
    }

    public RunningProcess Process { get; }

    /// <summary>The address it printed, e.g. http://127.0.0.1:40123.</summary>
    public Uri Url { get; }

    public string DataDirectory { get; }

    /// <summary>The admin token it generated into its data folder; null when it was given one.</summary>
    public string? Token { get; }

    /// <summary>An HTTP client for this server that sends no token.</summary>
    public HttpClient Http { get; }

    /// <summary>A request with the admin token as bearer token.</summary>
    public HttpRequestMessage AdminRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    /// <summary>kill -9: the server gets no chance to flush or shut down.</summary>
    public void Kill() => Process.Kill();

    /// <summary>Polls /health until it answers 200 OK; fails with the server's output past the deadline.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string last = "no answer yet";
        while (!deadline.IsCancellationRequested)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"the server exited before it was healthy:\n{Process.Describe()}");
            }

            try
            {
                using var response = await Http.GetAsync("/health", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new TimeoutException($"{Url}health did not answer 200 within {timeout.TotalSeconds:0}s (last: {last}):\n{Process.Describe()}");
    }

    public void Dispose() => Http.Dispose();
}
