namespace Keelson.Agent.Engine;

/// <summary>Why <see cref="UpdateAgent.RunAsync"/> returned.</summary>
public enum AgentExit
{
    /// <summary>It was asked to stop.</summary>
    Stopped,

    /// <summary>It started a reboot; the machine goes down next.</summary>
    Rebooting,
}
