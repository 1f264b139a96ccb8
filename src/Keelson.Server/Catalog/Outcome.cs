namespace Keelson.Server.Catalog;

/// <summary>The value of an admin operation, or why it was refused.</summary>
public readonly record struct Outcome<T>(T? Value, CatalogError? Error)
{
    public bool IsOk => Error is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(CatalogError error) => new(default, error);
}
