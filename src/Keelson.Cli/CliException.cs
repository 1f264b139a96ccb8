namespace Keelson.Cli;

/// <summary>An operation failed; the message is printed as is and the command exits 1.</summary>
internal sealed class CliException(string message) : Exception(message);
