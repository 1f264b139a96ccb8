namespace Keelson.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new OmahaRequestTarget(),
        new OmahaResponseTarget(),
        new PayloadManifestTarget(),
        new GptTarget(),
        new CloudConfigTarget(),
        new DiscoveryKeysTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
