namespace Keelson.Disks.Boot;

/// <summary>
/// One boot as the backend's bootloader makes it, run on the disk image or ESP folder instead of by firmware: the
/// slot chosen, with the try counted exactly as the bootloader counts it. Simulated machines and
/// <c>keelson boot select</c> use it; a real machine's bootloader does the same by itself.
/// </summary>
public interface IBootSimulator
{
    /// <summary>Chooses and "boots" a slot, counting its try; null when the bootloader would find nothing to boot.</summary>
    Task<SimulatedBoot?> SimulateBootAsync(CancellationToken cancellationToken);
}
