namespace Keelson.Server.Catalog;

/// <summary>The kinds of refusal, each with its HTTP status.</summary>
public enum CatalogErrorKind
{
    /// <summary>400: the input is malformed.</summary>
    Invalid,

    /// <summary>404: something the input names does not exist.</summary>
    NotFound,

    /// <summary>409: the input is well-formed but conflicts with what is stored.</summary>
    Conflict,
}
