namespace Keelson.Agent.Host;

/// <summary>The kernel command line as the agent hands it on to a new slot.</summary>
public static class KernelCommandLine
{
    private const string UsrKey = "mount.usr=";

    /// <summary>
    /// <paramref name="commandLine"/> without its <c>mount.usr=</c> word (the boot backend adds the new slot's), its
    /// other words in order, single-spaced: the base command line of a new slot.
    /// </summary>
    public static string WithoutUsr(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        return string.Join(' ', commandLine
            .Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Where(word => !word.StartsWith(UsrKey, StringComparison.Ordinal)));
    }
}
