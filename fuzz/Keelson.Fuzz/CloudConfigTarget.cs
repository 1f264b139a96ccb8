using Keelson.CloudConfig;

namespace Keelson.Fuzz;

/// <summary>
/// The cloud-config reader and validator (YAML, gzip, Ignition detection), as <c>keelson cloud-config validate</c>
/// and the agent call it. Every problem of a document belongs in its report: any exception is a finding.
/// </summary>
internal sealed class CloudConfigTarget : IFuzzTarget
{
    private static readonly IpSubstitutions s_substitutions = new("203.0.113.7", "10.0.0.7", "2001:db8::7", "fd00::7");

    public string Name => "cloud-config";

    public string Description => "CloudConfigDocument.Parse on user data; problems belong in its report, so no exception is a refusal";

    public void Run(ReadOnlySpan<byte> input)
    {
        var document = CloudConfigDocument.Parse(input, s_substitutions);
        foreach (var entry in document.Report.Entries)
        {
            _ = entry.ToString();
        }
    }
}
