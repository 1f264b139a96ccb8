namespace Keelson.TestSupport;

/// <summary>
/// Which store the tests run against, chosen by the environment variable <c>KEELSON_TEST_DATABASE</c>
/// (<c>sqlite</c>, the default, or <c>postgresql</c>), so that one suite covers both.
/// </summary>
public enum TestDatabaseKind
{
    Sqlite,
    Postgresql,
}

/// <summary>Reads <c>KEELSON_TEST_DATABASE</c>.</summary>
public static class TestDatabases
{
    public const string EnvironmentVariable = "KEELSON_TEST_DATABASE";

    /// <summary>The store the tests of this run use; a value other than sqlite or postgresql fails the test.</summary>
    public static TestDatabaseKind Kind { get; } = Read(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static TestDatabaseKind Read(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => TestDatabaseKind.Sqlite,
        "postgresql" or "postgres" => TestDatabaseKind.Postgresql,
        _ => throw new InvalidOperationException($"{EnvironmentVariable}='{value}' is neither sqlite nor postgresql"),
    };
}
