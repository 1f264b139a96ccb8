using Keelson.CloudConfig.Apply;
using Keelson.CloudConfig.Schema;
using Keelson.CloudConfig.Yaml;

namespace Keelson.CloudConfig.Validation;

/// <summary>
/// coreos-cloudinit's validation rules over a parsed document: structure and types against the schema, values
/// against their patterns, <c>write_files</c> content decodable (and present when an encoding is given) and not under
/// read-only /usr, <c>write_files</c> misplaced under <c>coreos</c>, and <c>coreos.etcd.discovery</c> a URL. Keelson adds:
/// single-line values where a line break would add settings, SSH keys without line breaks.
/// </summary>
internal static class CloudConfigValidator
{
    public static void Validate(YamlNode root, ValidationReport report)
    {
        CheckNode(root, CloudConfigSchema.Root, "", root.Line, report);
        CheckWriteFiles(root, report);
        CheckDiscoveryUrl(root, report);
        if (root.Child("coreos").Entry("write_files") is { } misplaced)
        {
            report.Info(misplaced.Line, "write_files doesn't belong under coreos");
        }
    }

    /// <summary>Checks a node against its schema; a wrong type is reported at <paramref name="line"/>: the key's line for a mapping value, the item's for a list item.</summary>
    private static void CheckNode(YamlNode node, SchemaNode schema, string path, int line, ValidationReport report)
    {
        if (node is YamlScalar { Kind: ScalarKind.Null })
        {
            // Nothing after the colon: the key is simply not set.
            return;
        }

        switch (schema)
        {
            case ScalarSchema scalarSchema:
                if (node is not YamlScalar scalar || !IsCompatible(scalar.Kind, scalarSchema.Type))
                {
                    report.Warning(line, $"incorrect type for \"{ShownValue.Of(path)}\" (want {schema.TypeName})");
                }
                else if ((scalarSchema.Valid is { } valid && !valid.IsMatch(scalar.Value))
                    || (scalarSchema.SingleLine && HasLineBreak(scalar.Value)))
                {
                    report.Error(scalar.Line, $"invalid value {ShownValue.Of(scalar.Value)}");
                }
                else if (scalarSchema.SshKey && scalar.Value.Trim().AsSpan().IndexOfAny('\r', '\n') is var at and >= 0)
                {
                    report.Error(scalar.Line, $"\"{path}\" holds a line break after character {at}: it would be written as several authorized_keys lines, and a line can carry options such as command=: {ShownValue.Of(scalar.Value)}");
                }

                break;
            case ListSchema list:
                if (node is not YamlSequence sequence)
                {
                    report.Warning(line, $"incorrect type for \"{ShownValue.Of(path)}\" (want {schema.TypeName})");
                    break;
                }

                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    CheckNode(sequence.Items[i], list.Element, $"{path}[{i}]", sequence.Items[i].Line, report);
                }

                break;
            case MapSchema map:
                if (node is not YamlMapping mapping)
                {
                    report.Warning(line, $"incorrect type for \"{(path.Length == 0 ? "(document)" : ShownValue.Of(path))}\" (want {schema.TypeName})");
                    break;
                }

                CheckMapping(mapping, map, path, report);
                break;
        }
    }

    private static void CheckMapping(YamlMapping mapping, MapSchema map, string path, ValidationReport report)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var key = CloudConfigSchema.Normalize(entry.Key);
            if (!seen.Add(key))
            {
                report.Warning(entry.Line, $"duplicate key \"{ShownValue.Of(key)}\" (the last one is used)");
            }

            if (map.Find(key) is not { } field)
            {
                report.Warning(entry.Line, $"unrecognized key \"{ShownValue.Of(key)}\"");
                continue;
            }

            if (field.Deprecated is { } reason)
            {
                report.Warning(entry.Line, $"deprecated key \"{key}\" ({reason})");
            }

            CheckNode(entry.Value, field.Type, path.Length == 0 ? key : $"{path}.{key}", entry.Line, report);
        }
    }

    /// <summary>A string takes any scalar as its text; booleans and integers want exactly that.</summary>
    private static bool IsCompatible(ScalarKind kind, ScalarType type) => type switch
    {
        ScalarType.String => kind is ScalarKind.String or ScalarKind.Int or ScalarKind.Float or ScalarKind.Bool,
        ScalarType.Bool => kind == ScalarKind.Bool,
        ScalarType.Float => kind is ScalarKind.Float or ScalarKind.Int,
        _ => kind == ScalarKind.Int,
    };

    private static bool HasLineBreak(string value) => value.AsSpan().IndexOfAny('\r', '\n') >= 0;

    /// <summary>
    /// coreos-cloudinit's check of <c>coreos.etcd.discovery</c>: an absolute URL (or an absolute path, which Go's
    /// request-URI parser also takes). etcd2's discovery is not checked, as there.
    /// </summary>
    private static void CheckDiscoveryUrl(YamlNode root, ValidationReport report)
    {
        if (root.Child("coreos").Child("etcd").Child("discovery").SetScalar() is { } discovery
            && !discovery.Value.StartsWith('/')
            && !Uri.TryCreate(discovery.Value, UriKind.Absolute, out _))
        {
            report.Warning(discovery.Line, "discovery URL is not valid");
        }
    }

    private static void CheckWriteFiles(YamlNode root, ValidationReport report)
    {
        foreach (var file in root.Child("write_files").Items())
        {
            var content = file.Child("content") as YamlScalar;
            var encoding = file.Child("encoding").SetScalar();
            if (!ContentDecoder.TryRead(content, out var bytes))
            {
                report.Error(content!.Line, "content is not valid !!binary (base64) data");
            }
            else if (encoding is not null && content is not { Kind: not ScalarKind.Null })
            {
                // coreos-cloudinit decodes a missing content as the text "<invalid Value>", which no encoding takes.
                report.Error(encoding.Line, $"content cannot be decoded as \"{ShownValue.Of(encoding.Value)}\" (there is no content)");
            }
            else if (encoding is not null && !ContentDecoder.TryDecode(bytes, encoding.Value, out _, out var error))
            {
                report.Error(content!.Line, error!);
            }

            if (file.Child("path").SetScalar() is { } path && RootPath.Normalize(path.Value) is { } normalized)
            {
                var directory = normalized[..normalized.LastIndexOf('/')];
                if (directory == "/usr" || directory.StartsWith("/usr/", StringComparison.Ordinal))
                {
                    report.Error(path.Line, "file cannot be written to a read-only filesystem");
                }
            }
        }
    }
}
