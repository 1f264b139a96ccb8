namespace Keelson.Omaha;

/// <summary>The <c>&lt;ping&gt;</c> element of an app in an Omaha request.</summary>
/// <param name="Active">The <c>active</c> attribute: <see langword="true"/> for <c>"1"</c> or <c>"true"</c>.</param>
public sealed record OmahaPing(bool Active);
