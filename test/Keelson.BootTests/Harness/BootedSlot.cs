namespace Keelson.BootTests.Harness;

/// <summary>What the init of a test image printed after mounting the slot the bootloader chose.</summary>
public sealed record BootedSlot(char Slot, string Version)
{
    public override string ToString() => $"USR-{Slot} {Version}";
}
