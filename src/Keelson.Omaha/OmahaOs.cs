namespace Keelson.Omaha;

/// <summary>
/// The <c>&lt;os&gt;</c> element of an Omaha request: what the client says about its operating system.
/// </summary>
/// <param name="Version">The <c>version</c> attribute (update_engine sends a code name such as <c>Chateau</c>).</param>
/// <param name="Platform">The <c>platform</c> attribute, e.g. <c>CoreOS</c>.</param>
/// <param name="ServicePack">The <c>sp</c> attribute, e.g. <c>2512.2.0_x86_64</c>.</param>
/// <param name="Arch">The <c>arch</c> attribute, when sent.</param>
/// <remarks>An attribute that was absent is <see langword="null"/>; one that was present but empty is <c>""</c>.</remarks>
public sealed record OmahaOs(string? Version, string? Platform, string? ServicePack, string? Arch);
