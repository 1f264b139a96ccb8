namespace Keelson.Omaha;

/// <summary>An <c>&lt;event&gt;</c> reported by a client inside an <c>&lt;app&gt;</c>.</summary>
/// <param name="Type">The <c>eventtype</c> attribute.</param>
/// <param name="Result">The <c>eventresult</c> attribute.</param>
/// <param name="ErrorCode">
/// The <c>errorcode</c> attribute, or <see langword="null"/> when absent. update_engine sends it when the
/// result is not success; it may carry flag bits (see <see cref="OmahaErrorCodes"/>). Any 64-bit value is
/// accepted, negative ones included (a 32-bit code with bit 31 set may arrive sign-extended).
/// </param>
/// <param name="PreviousVersion">
/// The <c>previousversion</c> attribute. Absent is <see langword="null"/>, empty is <c>""</c>, and
/// <c>"0.0.0.0"</c> is kept as sent: the three mean different things to the server.
/// </param>
public sealed record OmahaEvent(OmahaEventType Type, OmahaEventResult Result, long? ErrorCode, string? PreviousVersion);
