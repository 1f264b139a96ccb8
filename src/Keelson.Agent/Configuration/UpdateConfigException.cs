namespace Keelson.Agent.Configuration;

/// <summary>An update.conf that cannot be used; the message names the file, the line and what is wrong.</summary>
public sealed class UpdateConfigException(string message) : Exception(message);
