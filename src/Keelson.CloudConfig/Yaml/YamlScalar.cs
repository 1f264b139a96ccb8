namespace Keelson.CloudConfig.Yaml;

/// <summary>
/// A scalar with its text exactly as written (after YAML's own quoting and folding): <c>off</c> stays "off",
/// <c>0744</c> stays "0744". <see cref="Kind"/> is the type YAML 1.1 would give it, used only for type checks.
/// </summary>
internal sealed record YamlScalar(int Line, string Value, ScalarKind Kind, bool IsBinary) : YamlNode(Line, 1)
{
    /// <summary>YAML 1.1 booleans: true, yes, on, y and their capitalisations.</summary>
    public bool IsTrue => Kind == ScalarKind.Bool && Value is "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON";
}
