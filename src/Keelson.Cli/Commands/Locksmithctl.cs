namespace Keelson.Cli.Commands;

/// <summary>
/// What people type and read with locksmithctl, in one table, so that <c>keelson lock</c> takes the same command
/// lines and scripts match its errors: locksmithctl's global flags as aliases of Keelson's options, the
/// <c>LOCKSMITHCTL_</c> variable it reads for each, and the words its error messages start with.
/// </summary>
/// <remarks>
/// locksmithctl parses with Go's flag package, which takes <c>-flag value</c>, <c>--flag value</c>,
/// <c>-flag=value</c> and <c>--flag=value</c> alike; <c>-endpoint</c> may be given more than once. Its
/// <c>-debug</c> and <c>-version</c> have no Keelson option to map onto and are not taken.
/// </remarks>
internal static class Locksmithctl
{
    /// <summary>locksmithctl's flag name (without dashes) for each of Keelson's options.</summary>
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        ["--endpoints"] = "endpoint",
        ["--group"] = "group",
        ["--etcd-cafile"] = "etcd-cafile",
        ["--etcd-certfile"] = "etcd-certfile",
        ["--etcd-keyfile"] = "etcd-keyfile",
        ["--etcd-username"] = "etcd-username",
        ["--etcd-password"] = "etcd-password",
    };

    /// <summary><c>locksmithctl lock</c>'s failure: <c>Error locking: semaphore is at 0</c>, <c>... holder exists</c>, or etcd's error.</summary>
    public const string LockFailed = "Error locking";

    /// <summary><c>locksmithctl unlock</c>'s failure: <c>Error unlocking: holder does not exist</c>, or etcd's error.</summary>
    public const string UnlockFailed = "Error unlocking";

    /// <summary><c>locksmithctl set-max</c>'s failure to write the semaphore.</summary>
    public const string SetMaxFailed = "Error setting value";

    /// <summary>Any command whose etcd client cannot be set up (TLS files that cannot be read, say).</summary>
    public const string ClientFailed = "Error initializing etcd client";

    /// <summary><c>lock</c> and <c>unlock</c> without an ID on a machine whose id cannot be read.</summary>
    public const string NoMachineId = "Cannot read machine-id";

    /// <summary><c>set-max</c> with a value that is not a number.</summary>
    public const string InvalidMax = "Invalid maximum value";

    /// <summary>
    /// locksmithctl's spellings of <paramref name="option"/>: <c>-flag</c> and <c>--flag</c>, less Keelson's own name;
    /// the one-dash one first.
    /// </summary>
    public static string[] Aliases(string option) =>
        [.. new[] { "-" + Flag(option), "--" + Flag(option) }.Where(alias => alias != option)];

    /// <summary>The variable locksmithctl reads <paramref name="option"/> from: <c>LOCKSMITHCTL_</c> and the flag's name in capitals, dashes as underscores.</summary>
    public static string Variable(string option) => "LOCKSMITHCTL_" + Flag(option).ToUpperInvariant().Replace('-', '_');

    /// <summary>A locksmithctl error line: its own words first, Keelson's explanation after them.</summary>
    public static string Error(string failed, string detail) => $"{failed}: {detail}";

    private static string Flag(string option) =>
        s_flags.TryGetValue(option, out var flag) ? flag : throw new ArgumentException($"'{option}' has no locksmithctl spelling", nameof(option));
}
