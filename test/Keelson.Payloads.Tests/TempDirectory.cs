namespace Keelson.Payloads.Tests;

/// <summary>A test's own folder, deleted afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("keelson-payloads-").FullName;

    public string Path { get; }

    public string Of(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
