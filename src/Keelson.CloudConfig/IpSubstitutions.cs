namespace Keelson.CloudConfig;

/// <summary>
/// The addresses <c>$public_ipv4</c>, <c>$private_ipv4</c>, <c>$public_ipv6</c> and <c>$private_ipv6</c> stand for
/// (coreos-cloudinit takes them from the cloud's metadata or <c>COREOS_PUBLIC_IPV4</c> and friends). An unset
/// address substitutes as empty text, as coreos-cloudinit does. <c>\$public_ipv4</c> is the literal text.
/// </summary>
public sealed record IpSubstitutions(string? PublicIpv4 = null, string? PrivateIpv4 = null, string? PublicIpv6 = null, string? PrivateIpv6 = null)
{
    public static IpSubstitutions None { get; } = new();

    /// <summary>The environment variables coreos-cloudinit reads, in the order of the constructor's parameters.</summary>
    public static IReadOnlyList<string> VariableNames { get; } = ["COREOS_PUBLIC_IPV4", "COREOS_PRIVATE_IPV4", "COREOS_PUBLIC_IPV6", "COREOS_PRIVATE_IPV6"];

    /// <summary>Reads the addresses from <c>COREOS_PUBLIC_IPV4</c> and friends through <paramref name="getVariable"/>.</summary>
    public static IpSubstitutions FromVariables(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return new IpSubstitutions(getVariable(VariableNames[0]), getVariable(VariableNames[1]), getVariable(VariableNames[2]), getVariable(VariableNames[3]));
    }

    /// <summary>Replaces the placeholders in <paramref name="text"/>; a value with a line break is refused (it would rewrite the YAML).</summary>
    public string Apply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        (string Name, string Value)[] placeholders =
        [
            ("$public_ipv4", Checked(PublicIpv4, 0)), ("$private_ipv4", Checked(PrivateIpv4, 1)),
            ("$public_ipv6", Checked(PublicIpv6, 2)), ("$private_ipv6", Checked(PrivateIpv6, 3)),
        ];
        var output = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var escaped = text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '$';
            var at = escaped ? i + 1 : i;
            var match = text[at] == '$' ? Array.FindIndex(placeholders, p => string.CompareOrdinal(text, at, p.Name, 0, p.Name.Length) == 0) : -1;
            if (match < 0)
            {
                output.Append(text[i]);
                continue;
            }

            output.Append(escaped ? placeholders[match].Name : placeholders[match].Value);
            i = at + placeholders[match].Name.Length - 1;
        }

        return output.ToString();
    }

    private static string Checked(string? value, int index) =>
        value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0
            ? throw new CloudConfigException($"{VariableNames[index]} contains a line break; it must be a single address")
            : value ?? "";
}
