namespace Keelson.CloudConfig.Yaml;

/// <summary>One key and its value (a null scalar for a key with nothing after the colon).</summary>
internal sealed record YamlEntry(string Key, int Line, YamlNode Value);
