using Keelson.CloudConfig.Apply;
using Keelson.CloudConfig.Schema;
using Keelson.CloudConfig.Yaml;

namespace Keelson.CloudConfig.Validation;

/// <summary>
/// coreos-cloudinit's validation rules over a parsed document: structure and types against the schema, values
/// against their patterns, <c>write_files</c> content decodable and not under read-only /usr, and
/// <c>write_files</c> misplaced under <c>coreos</c>.
/// </summary>
internal static class CloudConfigValidator
{
    private const int MaxShownValue = 80;

    public static void Validate(YamlNode root, ValidationReport report)
    {
        CheckNode(root, CloudConfigSchema.Root, "", root.Line, report);
        CheckWriteFiles(root, report);
        if (root.Child("coreos").Entry("write_files") is { } misplaced)
        {
            report.Info(misplaced.Line, "write_files doesn't belong under coreos");
        }
    }

    /// <summary>A value as a report shows it: on one line, and not endless.</summary>
    public static string Show(string value)
    {
        var shown = value.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return shown.Length <= MaxShownValue ? shown : shown[..MaxShownValue] + "...";
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
                    report.Warning(line, $"incorrect type for \"{path}\" (want {schema.TypeName})");
                }
                else if ((scalarSchema.Valid is { } valid && !valid.IsMatch(scalar.Value))
                    || (scalarSchema.SingleLine && scalar.Value.AsSpan().IndexOfAny('\r', '\n') >= 0))
                {
                    report.Error(scalar.Line, $"invalid value {Show(scalar.Value)}");
                }

                break;
            case ListSchema list:
                if (node is not YamlSequence sequence)
                {
                    report.Warning(line, $"incorrect type for \"{path}\" (want {schema.TypeName})");
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
                    report.Warning(line, $"incorrect type for \"{(path.Length == 0 ? "(document)" : path)}\" (want {schema.TypeName})");
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
                report.Warning(entry.Line, $"duplicate key \"{key}\" (the last one is used)");
            }

            if (map.Find(key) is not { } field)
            {
                report.Warning(entry.Line, $"unrecognized key \"{key}\"");
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
        _ => kind == ScalarKind.Int,
    };

    private static void CheckWriteFiles(YamlNode root, ValidationReport report)
    {
        foreach (var file in root.Child("write_files").Items())
        {
            var content = file.Child("content") as YamlScalar;
            if (!ContentDecoder.TryRead(content, out var bytes))
            {
                report.Error(content!.Line, "content is not valid !!binary (base64) data");
            }
            else if (file.Child("encoding").SetScalar() is { } encoding
                && !ContentDecoder.TryDecode(bytes, encoding.Value, out _, out var error))
            {
                report.Error(content?.Line ?? file.Line, error!);
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
