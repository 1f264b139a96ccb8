namespace Keelson.CloudConfig.Validation;

/// <summary>The findings of validating a cloud-config, in line order. A report is a value: bad input is not an exception.</summary>
public sealed class ValidationReport
{
    private readonly List<ReportEntry> _entries = [];

    public IReadOnlyList<ReportEntry> Entries => _entries;

    public bool HasErrors => _entries.Exists(e => e.Kind == EntryKind.Error);

    public bool IsClean => _entries.Count == 0;

    internal void Error(int line, string message) => _entries.Add(new ReportEntry(EntryKind.Error, line, message));

    internal void Warning(int line, string message) => _entries.Add(new ReportEntry(EntryKind.Warning, line, message));

    internal void Info(int line, string message) => _entries.Add(new ReportEntry(EntryKind.Info, line, message));

    /// <summary>Orders the entries by line; entries of one line keep the order the rules found them in.</summary>
    internal void Sort()
    {
        var sorted = _entries.Select((entry, index) => (entry, index)).OrderBy(e => e.entry.Line).ThenBy(e => e.index).Select(e => e.entry).ToList();
        _entries.Clear();
        _entries.AddRange(sorted);
    }
}
