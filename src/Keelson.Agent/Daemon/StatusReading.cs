namespace Keelson.Agent.Daemon;

/// <summary>The agent's status as <c>status</c> finds it: the running agent's answer, or the status a stopped agent saved last.</summary>
/// <param name="Text">update_engine_client's lines, then Keelson's (<see cref="Status.AgentStatus.Format"/>).</param>
/// <param name="SavedAt">Null when the running agent answered; else when the stopped agent wrote <paramref name="Text"/>.</param>
/// <param name="From">Where the text came from, for errors: "the agent's answer" or the status file.</param>
public sealed record StatusReading(string Text, DateTimeOffset? SavedAt, string From)
{
    /// <summary>Whether the agent answered (it runs).</summary>
    public bool Running => SavedAt is null;
}
