namespace Keelson.Limits;

/// <summary>The limits' log event ids: the 200s, beside each service's own.</summary>
internal static class LimitsEventIds
{
    public const int Refused = 201;
    public const int BadRequest = 202;
}
