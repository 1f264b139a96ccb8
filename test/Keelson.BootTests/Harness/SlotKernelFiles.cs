namespace Keelson.BootTests.Harness;

/// <summary>A release's kernel and initrd as files on the host, to put on an ESP under /keelson/SLOT/.</summary>
public sealed record SlotKernelFiles(string Kernel, string Initrd);
