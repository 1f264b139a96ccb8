using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;

namespace Keelson.Cli;

/// <summary>Starts the HTTP services the CLI runs (<c>server</c>, <c>discovery serve</c>, <c>fleetlock serve</c>).</summary>
internal static class Listening
{
    /// <summary>
    /// Starts <paramref name="app"/>; an address another process already listens on is one line naming it and
    /// <c>--listen</c>, exit 1.
    /// </summary>
    public static async Task StartAsync(WebApplication app, IEnumerable<Uri> listen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            // The services that did start stop first: disposed while running, they would fail noisily.
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            // Kestrel names the address in its message only; of those given, the one it names.
            var address = listen.FirstOrDefault(u => e.Message.Contains(u.Authority, StringComparison.OrdinalIgnoreCase))
                ?? listen.FirstOrDefault(u => e.Message.Contains($":{u.Port}", StringComparison.Ordinal));
            throw new CliException(
                $"cannot listen on {address?.GetLeftPart(UriPartial.Authority) ?? string.Join(", ", listen)}: the address is already in use (choose another --listen)");
        }
    }
}
