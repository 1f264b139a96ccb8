namespace Keelson.Agent.Omaha;

/// <summary>An update the server offers: where to download it and what it must hash to.</summary>
/// <param name="Version">The version offered.</param>
/// <param name="Urls">The payload's download URLs, codebase + package name, in the server's order.</param>
/// <param name="Size">The payload's size in bytes.</param>
/// <param name="Sha1Base64">Base64 SHA-1 of the payload (Omaha's <c>hash</c>).</param>
/// <param name="Sha256Base64">Base64 SHA-256 of the payload (the postinstall action's <c>sha256</c>).</param>
/// <param name="IsDelta">Whether the payload is a delta from the running version.</param>
public sealed record UpdateOffer(string Version, IReadOnlyList<Uri> Urls, long Size, string Sha1Base64, string Sha256Base64, bool IsDelta);
