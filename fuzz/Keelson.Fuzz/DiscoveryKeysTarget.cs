using System.Text;
using Keelson.Discovery;
using Keelson.Discovery.Protocol;
using Keelson.Discovery.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keelson.Fuzz;

/// <summary>
/// The discovery service's token and key parsing, behind its <c>/{token}/{**key}</c> route, over a real SQLite store.
/// The input is text: a method (GET, PUT or DELETE) on the first line, the request path on the second, and the value
/// of a PUT in the rest. Refusals are <see cref="KeysResult"/> values; any exception is a finding. A PUT that is
/// accepted is deleted again, so that every input meets the same store.
/// </summary>
internal sealed class DiscoveryKeysTarget : IFuzzTarget
{
    /// <summary>The token the store holds, so that inputs reach past the token check to the keys.</summary>
    public const string Token = "0123456789abcdef0123456789abcdef";

    private readonly Lazy<TokenSpace> _space = new(OpenSpace);

    // A PUT is read back and deleted before the next input meets the store: inputs from several threads take turns.
    private readonly Lock _gate = new();

    public string Name => "discovery";

    public string Description => "TokenSpace GET/PUT/DELETE on a request path (METHOD\\nPATH\\nVALUE); KeysResult errors are refusals";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        lock (_gate)
        {
            RunAsync(text).GetAwaiter().GetResult();
        }
    }

    private async Task RunAsync(string text)
    {
        var lines = text.Split('\n', 3);
        var method = lines[0];
        var path = lines.Length > 1 ? lines[1] : "";
        var value = lines.Length > 2 ? lines[2] : null;

        // As the route splits it: the first segment is the token, the rest (without trailing slashes) the key.
        var route = path.TrimStart('/');
        var slash = route.IndexOf('/', StringComparison.Ordinal);
        var token = Uri.UnescapeDataString(slash < 0 ? route : route[..slash]);
        var key = slash < 0 ? "" : Uri.UnescapeDataString(route[(slash + 1)..]).TrimEnd('/');

        _ = KeyNames.IsHidden(key);
        _ = KeyNames.Matches(key, recursive: true, key + "/member");
        _ = KeyNames.Matches("", recursive: true, key);

        var space = _space.Value;
        switch (method)
        {
            case "PUT":
                var put = await space.PutAsync(token, key, value, prevExist: null, CancellationToken.None);
                if (put.Error is null)
                {
                    Check(await space.GetAsync(token, key, sorted: true, CancellationToken.None), "a GET of the key just written");
                    Check(await space.DeleteAsync(token, key, CancellationToken.None), "a DELETE of the key just written");
                }

                break;
            case "DELETE":
                _ = await space.DeleteAsync(token, key, CancellationToken.None);
                break;
            default:
                _ = await space.GetAsync(token, key, sorted: true, CancellationToken.None);
                break;
        }
    }

    private static void Check(KeysResult result, string what)
    {
        if (result.Error is { } error)
        {
            throw new InvalidOperationException($"{what} failed: {error.ErrorCode} {error.Cause}");
        }
    }

    private static TokenSpace OpenSpace()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"keelson-fuzz-discovery-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        var time = TimeProvider.System;
        var store = SqliteDiscoveryStore.OpenAsync(Path.Combine(folder, "discovery.db"), time, CancellationToken.None).GetAwaiter().GetResult();
        store.CreateTokenAsync(Token, TokenSpace.MaxSize, time.GetUtcNow(), CancellationToken.None).GetAwaiter().GetResult();
        return new TokenSpace(store, new ChangeSignals(), new DiscoveryOptions(), time, NullLogger<TokenSpace>.Instance);
    }
}
