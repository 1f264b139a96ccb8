namespace Keelson.Cli.Demo;

/// <summary>
/// What the story tells its display, from any thread: the step it is on, what that step is busy with, lines that
/// stay in the terminal, and the fleet as it changes. A display shows them live or as plain lines.
/// </summary>
internal interface IDemoProgress
{
    /// <summary>A step starts; it runs until the next one.</summary>
    void Step(string title);

    /// <summary>What the current step is busy with now; replaced by the next detail.</summary>
    void Detail(string text);

    /// <summary>A line that stays in the terminal.</summary>
    void Line(DemoLineKind kind, string text);

    /// <summary>The fleet now.</summary>
    void Fleet(FleetView view);
}
