namespace Keelson.CloudConfig.Model;

/// <summary><c>coreos.update</c>: the update.conf keys that are set, as (key, value) in the order GROUP, REBOOT_STRATEGY, SERVER.</summary>
internal sealed record UpdateSpec(IReadOnlyList<(string Key, string Value)> Settings)
{
    public string? RebootStrategy => Settings.FirstOrDefault(s => s.Key == "REBOOT_STRATEGY").Value;
}
