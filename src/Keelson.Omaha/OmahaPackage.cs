namespace Keelson.Omaha;

/// <summary>A <c>&lt;package&gt;</c> of a manifest: the payload file.</summary>
/// <param name="Name">The <c>name</c> attribute: the file name appended to each codebase.</param>
/// <param name="Sha1Base64">The <c>hash</c> attribute: base64 SHA-1 of the payload.</param>
/// <param name="Size">The <c>size</c> attribute in bytes; update_engine needs it above 0.</param>
/// <param name="Required">The <c>required</c> attribute; the reader gives <see langword="true"/> when absent.</param>
/// <param name="Sha256Base64">
/// The <c>hash_sha256</c> attribute: base64 SHA-256 of the payload, which go-omaha's client checks beside
/// <c>hash</c> (update_engine reads the same digest from the postinstall action's <c>sha256</c>). Written when
/// set; the reader gives <see langword="null"/> when absent.
/// </param>
public sealed record OmahaPackage(string Name, string Sha1Base64, long Size, bool Required = true, string? Sha256Base64 = null);
