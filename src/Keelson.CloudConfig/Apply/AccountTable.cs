using System.Text;

namespace Keelson.CloudConfig.Apply;

/// <summary>
/// One colon-separated account file of the target (<c>/etc/passwd</c>, <c>/etc/group</c>, <c>/etc/shadow</c>,
/// <c>/etc/gshadow</c>). Lines are kept verbatim; only the lines of accounts being added or changed are touched.
/// </summary>
internal sealed class AccountTable
{
    private readonly List<string> _lines;

    private AccountTable(string path, bool exists, List<string> lines, UnixFileMode mode, Owner? owner)
    {
        Path = path;
        Exists = exists;
        _lines = lines;
        Mode = mode;
        FileOwner = owner;
    }

    public string Path { get; }

    public bool Exists { get; }

    public bool Changed { get; private set; }

    /// <summary>The file's mode, kept when it is rewritten (the mode given to <see cref="Load"/> for a new file).</summary>
    public UnixFileMode Mode { get; }

    /// <summary>The file's owner, kept when it is rewritten.</summary>
    public Owner? FileOwner { get; }

    public static AccountTable Load(RootFileSystem root, string path, UnixFileMode newMode)
    {
        var text = root.ReadText(path);
        if (text is null)
        {
            return new AccountTable(path, false, [], newMode, null);
        }

        var host = root.HostPath(path, followLast: true);
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return new AccountTable(path, true, lines, File.GetUnixFileMode(host), NativeMethods.GetOwner(host));
    }

    /// <summary>The entries (split into fields) of the account lines; comments and NIS "+"/"-" lines are skipped.</summary>
    public IEnumerable<string[]> Entries =>
        _lines.Where(l => l.Length > 0 && l[0] is not ('#' or '+' or '-')).Select(l => l.Split(':'));

    public string[]? Find(string name) => Entries.FirstOrDefault(e => e[0] == name);

    public void Add(params string[] fields)
    {
        _lines.Add(string.Join(':', fields));
        Changed = true;
    }

    /// <summary>Rewrites the first line of <paramref name="name"/> with <paramref name="change"/>; false when there is none.</summary>
    public bool Update(string name, Func<string[], string[]> change)
    {
        for (var i = 0; i < _lines.Count; i++)
        {
            var fields = _lines[i].Split(':');
            if (_lines[i].Length > 0 && _lines[i][0] is not ('#' or '+' or '-') && fields[0] == name)
            {
                var updated = string.Join(':', change(fields));
                if (updated != _lines[i])
                {
                    _lines[i] = updated;
                    Changed = true;
                }

                return true;
            }
        }

        return false;
    }

    public byte[] Content()
    {
        var text = new StringBuilder();
        foreach (var line in _lines)
        {
            text.Append(line).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
