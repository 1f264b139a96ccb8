using System.Security.Cryptography;

namespace Keelson.Discovery.Protocol;

/// <summary>Tokens and the keys under them: what is well formed, what is hidden, how a key reads on the wire.</summary>
internal static class KeyNames
{
    public const string ConfigDirectory = "_config";
    public const string SizeKey = "_config/size";
    public const int TokenLength = 32;
    public const int MaxKeyLength = 64;

    /// <summary>128 random bits as 32 lowercase hex digits: unguessable.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenLength / 2));

    public static bool IsToken(string? text) =>
        text is { Length: TokenLength } && text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>
    /// A key a member may write: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (etcd
    /// member ids are hex). Keys starting with '_' are the service's own.
    /// </summary>
    public static bool IsMemberKey(string key) =>
        key.Length is >= 1 and <= MaxKeyLength
        && char.IsAsciiLetterOrDigit(key[0])
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>A key any segment of which starts with '_': left out of listings and recursive watches.</summary>
    public static bool IsHidden(string key) => key.Split('/').Any(segment => segment.StartsWith('_'));

    /// <summary>Whether a change of <paramref name="eventKey"/> wakes a watch of <paramref name="watchedKey"/> ("" is the token).</summary>
    public static bool Matches(string watchedKey, bool recursive, string eventKey)
    {
        if (eventKey == watchedKey)
        {
            return true;
        }

        if (!recursive)
        {
            return false;
        }

        if (watchedKey.Length == 0)
        {
            return !IsHidden(eventKey);
        }

        return eventKey.StartsWith(watchedKey + "/", StringComparison.Ordinal) && !IsHidden(eventKey[(watchedKey.Length + 1)..]);
    }

    /// <summary>The key as the v2 API writes it: <c>/TOKEN</c> or <c>/TOKEN/KEY</c>.</summary>
    public static string Absolute(string token, string key) => key.Length == 0 ? "/" + token : "/" + token + "/" + key;
}
