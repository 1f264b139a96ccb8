namespace Keelson.Omaha;

/// <summary>The answer to one <c>&lt;app&gt;</c> of a request.</summary>
/// <param name="AppId">
/// The <c>appid</c> attribute: Keelson answers with the id exactly as the request spelled it (braces and case), since
/// clients such as go-omaha's look their app up in the answer by exact id.
/// </param>
/// <param name="Status">The <c>status</c> attribute; see <see cref="OmahaAppStatus"/>.</param>
/// <param name="Ping">Whether to answer <c>&lt;ping status="ok"/&gt;</c>.</param>
/// <param name="UpdateCheck">The <c>&lt;updatecheck&gt;</c> answer, or <see langword="null"/> for none.</param>
/// <param name="EventCount">How many <c>&lt;event status="ok"/&gt;</c> to answer: one per event received.</param>
public sealed record OmahaAppResponse(string AppId, string Status, bool Ping, OmahaUpdateCheckResponse? UpdateCheck, int EventCount);
