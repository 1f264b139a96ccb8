namespace Keelson.Agent.Engine;

/// <summary>The control socket's commands that act on the engine; each is a message to the engine's loop.</summary>
public enum EngineCommand
{
    /// <summary><c>check</c>: check for an update now.</summary>
    Check,

    /// <summary><c>mark-good</c>: mark the booted slot good now, without waiting for the health checks.</summary>
    MarkGood,

    /// <summary><c>rollback</c>: make the other slot boot next and reboot into it.</summary>
    Rollback,
}
