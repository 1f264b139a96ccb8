namespace Keelson.Disks;

/// <summary>
/// The 64-bit attribute field of a GPT partition entry, with the ChromeOS/CoreOS gptprio fields of a usr slot:
/// priority in bits 48-51 (0 = never boot), tries in bits 52-55 (boot attempts left), successful in bit 56, and the
/// legacy BIOS bootable flag in bit 2. Changing one field keeps every other bit as it was.
/// </summary>
/// <param name="Value">The raw attribute field as stored in the entry (little-endian on disk).</param>
public readonly record struct GptAttributes(ulong Value)
{
    public const int PriorityShift = 48;
    public const int TriesShift = 52;
    public const int SuccessfulShift = 56;
    public const int LegacyBootableShift = 2;

    /// <summary>The largest priority or tries value the 4-bit fields hold.</summary>
    public const int MaxFieldValue = 15;

    private const ulong PriorityMask = 0xFUL << PriorityShift;
    private const ulong TriesMask = 0xFUL << TriesShift;
    private const ulong SuccessfulMask = 1UL << SuccessfulShift;
    private const ulong LegacyBootableMask = 1UL << LegacyBootableShift;

    /// <summary>Boot priority 0-15; 0 never boots.</summary>
    public int Priority => (int)((Value & PriorityMask) >> PriorityShift);

    /// <summary>Boot attempts left, 0-15.</summary>
    public int Tries => (int)((Value & TriesMask) >> TriesShift);

    /// <summary>The slot has booted and been marked good.</summary>
    public bool Successful => (Value & SuccessfulMask) != 0;

    /// <summary>Bit 2, legacy BIOS bootable.</summary>
    public bool LegacyBootable => (Value & LegacyBootableMask) != 0;

    /// <summary>The gptprio fields together, as <c>cgpt show -A</c> prints them (bits 48-63).</summary>
    public int GptprioBits => (int)(Value >> 48);

    public GptAttributes WithPriority(int priority) => new((Value & ~PriorityMask) | ((ulong)CheckField(priority, nameof(priority)) << PriorityShift));

    public GptAttributes WithTries(int tries) => new((Value & ~TriesMask) | ((ulong)CheckField(tries, nameof(tries)) << TriesShift));

    public GptAttributes WithSuccessful(bool successful) => new(successful ? Value | SuccessfulMask : Value & ~SuccessfulMask);

    public GptAttributes WithLegacyBootable(bool bootable) => new(bootable ? Value | LegacyBootableMask : Value & ~LegacyBootableMask);

    public override string ToString() => $"0x{Value:x16} (priority {Priority}, tries {Tries}, successful {(Successful ? 1 : 0)})";

    private static int CheckField(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxFieldValue, name);
        return value;
    }
}
