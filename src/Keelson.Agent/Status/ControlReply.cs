namespace Keelson.Agent.Status;

/// <summary>The agent's answer to a control command: the exit code for <c>keelson agent ...</c> and the text it prints.</summary>
public sealed record ControlReply(int ExitCode, string Text);
