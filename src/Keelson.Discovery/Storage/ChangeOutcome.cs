namespace Keelson.Discovery.Storage;

/// <summary>
/// How a change went: <see cref="Token"/> is null when there is no such token; otherwise either
/// <see cref="Applied"/> (the event written) or <see cref="Rejected"/>, with the token as it is afterwards.
/// </summary>
internal sealed record ChangeOutcome(TokenInfo? Token, StoredEvent? Applied, KeysFailure? Rejected)
{
    public static readonly ChangeOutcome NoToken = new(null, null, null);
}
