using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>The fields of a machine's row that decide whether its request can change its status.</summary>
public sealed record MachineState(string Status, string? UpdateVersion, long? LastErrorCode)
{
    /// <summary>A machine without a row: never seen, or pruned.</summary>
    public static MachineState Unknown { get; } = new(InstanceStatus.Undefined, null, null);

    /// <summary>
    /// Whether <paramref name="state"/> is the one a read gives for a machine without a row. By reference: a machine
    /// with a row may have the same fields.
    /// </summary>
    public static bool IsUnknown(MachineState state) => ReferenceEquals(state, Unknown);

    public static MachineState Of(InstanceRow instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new MachineState(instance.Status, instance.UpdateVersion, instance.LastErrorCode);
    }
}
