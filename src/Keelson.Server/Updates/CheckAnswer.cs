using Keelson.Omaha;

namespace Keelson.Server.Updates;

/// <summary>
/// How an Omaha request was answered: <paramref name="Response"/>, or null when a machine never seen before was
/// refused by the <see cref="NewMachineLimit"/> (nothing recorded), with how long to wait when known.
/// </summary>
public sealed record CheckAnswer(OmahaResponse? Response, TimeSpan? RetryAfter = null)
{
    public bool IsRefused => Response is null;
}
