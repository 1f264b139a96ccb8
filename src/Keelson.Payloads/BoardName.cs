namespace Keelson.Payloads;

/// <summary>Board or compatibility strings such as <c>amd64-usr</c>: compared exactly, ordinal.</summary>
public static class BoardName
{
    /// <summary>The board of Flatcar's amd64 images; what <c>payload create</c> and <c>payload apply</c> assume unless told.</summary>
    public const string Default = "amd64-usr";

    /// <summary>Whether <paramref name="text"/> is 1 to 64 characters of letters, digits, '.', '_' and '-'.</summary>
    public static bool IsValid(string? text) =>
        text is { Length: > 0 and <= PayloadFormat.MaxTextLength } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
