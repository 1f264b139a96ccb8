using System.Text;
using Keelson.CloudConfig.Model;
using Keelson.CloudConfig.Validation;
using Keelson.CloudConfig.Yaml;

namespace Keelson.CloudConfig;

/// <summary>
/// A user-data file read and validated: what it is (<see cref="Kind"/>), the line-numbered report of what is wrong
/// with it, and, for a cloud-config without errors, its settings, ready for <see cref="CloudConfigApplier"/>.
/// </summary>
public sealed class CloudConfigDocument
{
    /// <summary>Larger files are refused unread: cloud-configs are a few kilobytes.</summary>
    public const int MaxBytes = 1 << 20;

    private CloudConfigDocument(DocumentKind kind, ValidationReport report, CloudConfigData? data)
    {
        Kind = kind;
        Report = report;
        Data = data;
    }

    public DocumentKind Kind { get; }

    public ValidationReport Report { get; }

    /// <summary>The settings of a cloud-config whose report has no errors; null otherwise.</summary>
    internal CloudConfigData? Data { get; }

    /// <summary>Reads and validates the file at <paramref name="path"/>; the file's own problems are in the report.</summary>
    /// <exception cref="CloudConfigException">The file cannot be read.</exception>
    public static async Task<CloudConfigDocument> LoadAsync(string path, IpSubstitutions substitutions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            return Parse(buffer.AsSpan(0, length), substitutions);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CloudConfigException($"cannot read {path}: {e.Message}", inner: e);
        }
    }

    /// <summary>Validates a document given as bytes (UTF-8 text).</summary>
    public static CloudConfigDocument Parse(ReadOnlySpan<byte> bytes, IpSubstitutions substitutions)
    {
        var report = new ValidationReport();
        if (bytes.Length > MaxBytes)
        {
            report.Error(1, $"the document is larger than {MaxBytes >> 20} MiB; a cloud-config is a few kilobytes");
            return new CloudConfigDocument(DocumentKind.Unknown, report, null);
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            report.Error(1, "the document is not UTF-8 text");
            return new CloudConfigDocument(DocumentKind.Unknown, report, null);
        }

        return Parse(text, substitutions);
    }

    /// <summary>Validates a document given as text.</summary>
    public static CloudConfigDocument Parse(string text, IpSubstitutions substitutions)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(substitutions);
        var report = new ValidationReport();
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        if (text.Length == 0)
        {
            return new CloudConfigDocument(DocumentKind.Empty, report, null);
        }

        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var header = (newline < 0 ? text : text[..newline]).TrimEnd();
        if (header.StartsWith("#!", StringComparison.Ordinal))
        {
            return new CloudConfigDocument(DocumentKind.Script, report, null);
        }

        if (header != "#cloud-config")
        {
            report.Error(1, "must be \"#cloud-config\" or begin with \"#!\"");
            return new CloudConfigDocument(DocumentKind.Unknown, report, null);
        }

        var yaml = YamlDocumentReader.Read(substitutions.Apply(text));
        foreach (var (line, message) in yaml.Errors)
        {
            report.Error(line, message);
        }

        if (yaml.Errors.Count == 0 && yaml.Root is { } root)
        {
            CloudConfigValidator.Validate(root, report);
        }

        report.Sort();
        var data = report.HasErrors ? null : CloudConfigBinder.Bind(yaml.Root);
        return new CloudConfigDocument(DocumentKind.CloudConfig, report, data);
    }
}
