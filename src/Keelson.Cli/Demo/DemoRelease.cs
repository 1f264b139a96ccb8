namespace Keelson.Cli.Demo;

/// <summary>One release of the story: its usr image, its signed payload, and whether it fails its health check.</summary>
internal sealed record DemoRelease(string Version, bool FailsHealth, string Image, string Payload);
