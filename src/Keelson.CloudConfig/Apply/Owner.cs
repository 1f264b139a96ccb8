using System.Globalization;

namespace Keelson.CloudConfig.Apply;

/// <summary>A numeric owner, as <c>chown</c> sets it.</summary>
internal readonly record struct Owner(uint Uid, uint Gid)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Uid}:{Gid}");
}
