namespace Keelson.Disks.Tests;

/// <summary>Power was cut after <see cref="SectorsWritten"/> sector writes.</summary>
internal sealed class SimulatedCrashException(int sectorsWritten) : IOException($"simulated crash after {sectorsWritten} sector writes")
{
    public int SectorsWritten { get; } = sectorsWritten;
}
