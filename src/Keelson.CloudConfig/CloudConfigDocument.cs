using System.Text;
using System.Text.Json;
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

    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    private CloudConfigDocument(DocumentKind kind, ValidationReport report, CloudConfigData? data, string? notice = null)
    {
        Kind = kind;
        Report = report;
        Data = data;
        Notice = notice;
    }

    public DocumentKind Kind { get; }

    /// <summary>For a document that is deliberately neither validated nor applied (an Ignition config), what it is and why.</summary>
    public string? Notice { get; }

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

    /// <summary>
    /// Validates a document given as bytes: UTF-8 text, or gzip-compressed UTF-8 text (by its magic bytes 1f 8b), which
    /// coreos-cloudinit decompresses first; decompression stops past <see cref="MaxBytes"/>.
    /// </summary>
    public static CloudConfigDocument Parse(ReadOnlySpan<byte> bytes, IpSubstitutions substitutions)
    {
        var report = new ValidationReport();
        if (bytes.Length > MaxBytes)
        {
            report.Error(1, $"the document is larger than {MaxBytes >> 20} MiB; a cloud-config is a few kilobytes");
            return new CloudConfigDocument(DocumentKind.Unknown, report, null);
        }

        if (bytes.StartsWith(GzipMagic))
        {
            switch (ContentDecoder.Gunzip(bytes, MaxBytes, out var decompressed))
            {
                case GunzipOutcome.TooLarge:
                    report.Error(1, $"the document is gzip-compressed and decompresses to more than {MaxBytes >> 20} MiB; refused (a cloud-config is a few kilobytes)");
                    return new CloudConfigDocument(DocumentKind.Unknown, report, null);
                case GunzipOutcome.NotGzip:
                    report.Error(1, "the document starts as gzip data (1f 8b) but cannot be decompressed");
                    return new CloudConfigDocument(DocumentKind.Unknown, report, null);
            }

            bytes = decompressed;
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
            if (IgnitionVersion(text) is { } version)
            {
                return new CloudConfigDocument(DocumentKind.Ignition, report, null,
                    $"an Ignition config (version {ShownValue.Of(version)}), not a cloud-config: coreos-cloudinit leaves it to Ignition, and so does Keelson; nothing was validated or applied");
            }

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

    /// <summary>
    /// The version of an Ignition config, as coreos-cloudinit recognises one: a JSON object with an integer
    /// <c>ignitionVersion</c> (Ignition 1) or a string <c>ignition.version</c> (Ignition 2 and later). Null for anything else.
    /// </summary>
    private static string? IgnitionVersion(string text)
    {
        if (!text.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("ignitionVersion", out var v1) && v1.ValueKind == JsonValueKind.Number && v1.TryGetInt64(out _))
            {
                return v1.GetRawText();
            }

            return root.TryGetProperty("ignition", out var ignition) && ignition.ValueKind == JsonValueKind.Object
                && ignition.TryGetProperty("version", out var v2) && v2.ValueKind == JsonValueKind.String
                ? v2.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
