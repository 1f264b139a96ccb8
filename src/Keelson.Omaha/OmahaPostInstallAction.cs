namespace Keelson.Omaha;

/// <summary>The <c>&lt;action event="postinstall"&gt;</c> of a manifest.</summary>
/// <param name="Sha256Base64">The <c>sha256</c> attribute: base64 SHA-256 of the payload; must not be empty.</param>
/// <param name="DisablePayloadBackoff">
/// Written as <c>DisablePayloadBackoff="true"</c> when set, omitted otherwise (update_engine only looks for
/// <c>"true"</c>); the reader gives <see langword="false"/> when absent.
/// </param>
/// <param name="IsDeltaPayload">
/// Written as <c>IsDeltaPayload="true"</c> when set, omitted otherwise (update_engine and go-omaha read this name and
/// take absent as false; update_engine's older <c>IsDelta</c> is deprecated there).
/// </param>
/// <param name="MaxFailureCountPerUrl">The <c>MaxFailureCountPerUrl</c> attribute, when set.</param>
public sealed record OmahaPostInstallAction(
    string Sha256Base64,
    bool DisablePayloadBackoff = true,
    bool IsDeltaPayload = false,
    int? MaxFailureCountPerUrl = null);
