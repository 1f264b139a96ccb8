namespace Keelson.Cli.Demo;

/// <summary>A display of the story (live or plain lines), in the terminal until it is disposed.</summary>
internal interface IDemoDisplay : IDemoProgress, IAsyncDisposable;
