namespace Keelson.CloudConfig.Yaml;

/// <summary>The document's root (null when the document is empty or could not be read) and what went wrong.</summary>
internal sealed record YamlReadResult(YamlNode? Root, IReadOnlyList<(int Line, string Message)> Errors);
