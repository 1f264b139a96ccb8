using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Keelson.Server.Rollout;

/// <summary>
/// A percentage ramp: the share of a group eligible for its current rollout grows linearly from 0 to 100%
/// over the ramp duration. Each machine has a fixed place in [0, 1) derived from its id, so the same
/// machines go first every time and a machine once eligible stays eligible.
/// </summary>
public static class RolloutRamp
{
    public static double Place(string machineId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(machineId.ToLowerInvariant()), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The share of the group eligible at <paramref name="now"/>, 0..1.</summary>
    public static double Share(DateTimeOffset started, TimeSpan duration, DateTimeOffset now)
    {
        if (duration <= TimeSpan.Zero)
        {
            return 1;
        }

        return Math.Clamp((now - started) / duration, 0, 1);
    }
}
