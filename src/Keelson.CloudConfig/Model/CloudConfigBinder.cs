using Keelson.CloudConfig.Schema;
using Keelson.CloudConfig.Yaml;

namespace Keelson.CloudConfig.Model;

/// <summary>
/// Reads the settings out of a validated document. A value of the wrong type (already a warning in the report) and an
/// empty value count as not set, as the zero values of coreos-cloudinit's structures do.
/// </summary>
internal static class CloudConfigBinder
{
    public static CloudConfigData Bind(YamlNode? root)
    {
        var coreos = root.Child("coreos");
        return new CloudConfigData(
            Text(root, "hostname"),
            Texts(root, "ssh_authorized_keys"),
            [.. root.Child("users").Items().OfType<YamlMapping>().Select(BindUser)],
            [.. root.Child("write_files").Items().OfType<YamlMapping>().Select(BindFile)],
            Text(root, "manage_etc_hosts"),
            new UpdateSpec([.. Variables(coreos.Child("update"), CloudConfigSchema.Update).OrderBy(s => s.Variable, StringComparer.Ordinal)]),
            Variables(coreos.Child("locksmith"), CloudConfigSchema.Locksmith),
            [.. CloudConfigSchema.ServiceEnvironments
                .Select(s => new ServiceEnvironment(s.Unit, Variables(coreos.Child(s.Section), s.Schema)))
                .Where(s => s.Variables.Count > 0)],
            BindOem(coreos.Child("oem")),
            [.. coreos.Child("units").Items().OfType<YamlMapping>().Select(BindUnit)]);
    }

    private static OemSpec? BindOem(YamlNode? oem) => Text(oem, "id") is { } id
        ? new OemSpec(id, Text(oem, "name"), Text(oem, "version_id"), Text(oem, "home_url"), Text(oem, "bug_report_url"))
        : null;

    private static UserSpec BindUser(YamlMapping user) => new(
        user.Line, Text(user, "name"), Text(user, "passwd"), Texts(user, "ssh_authorized_keys"), Text(user, "gecos"),
        Text(user, "homedir"), Flag(user, "no_create_home"), Text(user, "primary_group"), Texts(user, "groups"),
        Flag(user, "no_user_group"), Flag(user, "system"), Text(user, "shell"));

    private static WriteFileSpec BindFile(YamlMapping file)
    {
        // Validation has decoded the content already; a document with errors is never bound.
        ContentDecoder.TryRead(file.Child("content").SetScalar(), out var raw);
        ContentDecoder.TryDecode(raw, Text(file, "encoding"), out var content, out _);
        return new WriteFileSpec(file.Line, Text(file, "path"), content, Text(file, "permissions"), Text(file, "owner"));
    }

    private static UnitSpec BindUnit(YamlMapping unit) => new(
        unit.Line, Text(unit, "name"), Flag(unit, "mask"), Flag(unit, "enable"), Flag(unit, "runtime"), Text(unit, "content"),
        Text(unit, "command"),
        [.. unit.Child("drop_ins").Items().OfType<YamlMapping>().Select(d => (Text(d, "name"), Text(d, "content")))]);

    /// <summary>The set keys of a section as (variable, value) in the schema's order.</summary>
    private static List<(string Variable, string Value)> Variables(YamlNode? section, MapSchema schema)
    {
        var variables = new List<(string, string)>();
        foreach (var field in schema.Fields)
        {
            if (field.Env is null || section.Child(field.Name).SetScalar() is not { } scalar || scalar.Value.Length == 0)
            {
                continue;
            }

            var type = ((ScalarSchema)field.Type).Type;
            if (type == ScalarType.String)
            {
                variables.Add((field.Env, scalar.Value));
            }
            else if (type == ScalarType.Bool && scalar.IsTrue)
            {
                variables.Add((field.Env, "true"));
            }
            else if (type == ScalarType.Int && scalar.Kind == ScalarKind.Int && scalar.Value.TrimStart('+', '-').Any(c => c is not ('0' or '_')))
            {
                variables.Add((field.Env, scalar.Value));
            }
            else if (type == ScalarType.Float && scalar.Kind is ScalarKind.Int or ScalarKind.Float && scalar.Value.TrimStart('+', '-').Any(c => c is >= '1' and <= '9'))
            {
                // Zero is coreos-cloudinit's "not set"; other numbers are written as given.
                variables.Add((field.Env, scalar.Value));
            }
        }

        return variables;
    }

    private static string? Text(YamlNode? node, string key) =>
        node.Child(key).SetScalar() is { Value.Length: > 0 } scalar ? scalar.Value : null;

    private static bool Flag(YamlNode? node, string key) => node.Child(key).SetScalar() is { IsTrue: true };

    private static List<string> Texts(YamlNode? node, string key) =>
        [.. node.Child(key).Items().Select(i => i.SetScalar()).OfType<YamlScalar>().Select(s => s.Value).Where(v => v.Length > 0)];
}
