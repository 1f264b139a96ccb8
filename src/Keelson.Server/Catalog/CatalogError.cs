namespace Keelson.Server.Catalog;

/// <summary>Why an admin operation was refused; <see cref="Field"/> names the input at fault, if one is.</summary>
public sealed record CatalogError(CatalogErrorKind Kind, string Message, string? Field = null)
{
    public static CatalogError Invalid(string field, string message) => new(CatalogErrorKind.Invalid, message, field);

    public static CatalogError NotFound(string message) => new(CatalogErrorKind.NotFound, message);

    public static CatalogError Conflict(string message, string? field = null) => new(CatalogErrorKind.Conflict, message, field);
}
