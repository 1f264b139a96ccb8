using Keelson.Server.Storage;

namespace Keelson.Server.Updates;

/// <summary>The fields of a machine's row that decide whether its request can change its status.</summary>
public sealed record MachineState(string Status, string? UpdateVersion, long? LastErrorCode)
{
    /// <summary>A machine without a row: never seen, or pruned.</summary>
    public static MachineState Unknown { get; } = new(InstanceStatus.Undefined, null, null);

    public static MachineState Of(InstanceRow instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new MachineState(instance.Status, instance.UpdateVersion, instance.LastErrorCode);
    }
}
