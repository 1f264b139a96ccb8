namespace Keelson.Cli.Demo;

/// <summary>How a line of the story is shown.</summary>
internal enum DemoLineKind
{
    /// <summary>A step of the story begins.</summary>
    Step,

    /// <summary>Something the story set out to show has happened.</summary>
    Done,

    /// <summary>Something went wrong, on purpose: the bad release.</summary>
    Bad,

    /// <summary>An explanation or a fact worth keeping on screen.</summary>
    Note,

    /// <summary>A command to copy, as is.</summary>
    Command,

    /// <summary>A heading or the demo's title.</summary>
    Title,
}
