using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Keelson.CloudConfig.Yaml;

/// <summary>
/// Reads one YAML document from the parser's events into <see cref="YamlNode"/>s that keep their line numbers and
/// raw scalar text. Bounded: nesting deeper than <see cref="MaxDepth"/> and documents whose aliases expand to more
/// than <see cref="MaxNodes"/> nodes (the "billion laughs") are refused with an error instead of being expanded.
/// </summary>
internal static partial class YamlDocumentReader
{
    public const int MaxDepth = 64;
    public const int MaxNodes = 100_000;

    private const string YamlTagPrefix = "tag:yaml.org,2002:";

    public static YamlReadResult Read(string text)
    {
        var errors = new List<(int, string)>();
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        YamlNode? root = null;
        var documents = 0;
        var total = 0;
        try
        {
            var parser = new Parser(new StringReader(text));
            var lastLine = 1;
            while (Next(parser, lastLine, errors))
            {
                var current = parser.Current!;
                var line = LineOf(current.Start);
                lastLine = LineOf(current.End);
                switch (current)
                {
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            errors.Add((line, "only one YAML document is allowed"));
                            return new YamlReadResult(null, errors);
                        }

                        break;
                    case MappingStart or SequenceStart:
                        if (stack.Count >= MaxDepth)
                        {
                            errors.Add((line, $"the document nests deeper than {MaxDepth} levels"));
                            return new YamlReadResult(null, errors);
                        }

                        stack.Push(new Frame(current is MappingStart, line, ((NodeEvent)current).Anchor));
                        break;
                    case Scalar scalar:
                        {
                            var node = ToScalar(scalar, line);
                            if (!Count(ref total, 1, line, errors))
                            {
                                return new YamlReadResult(null, errors);
                            }

                            Register(anchors, scalar.Anchor, node);
                            root = Add(stack, node, root, IsMergeKey(scalar));
                            break;
                        }

                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            errors.Add((line, $"unknown alias *{ShownValue.Of(alias.Value.Value)}"));
                            return new YamlReadResult(null, errors);
                        }

                        if (!Count(ref total, target.Size, line, errors))
                        {
                            return new YamlReadResult(null, errors);
                        }

                        // An alias puts its whole subtree here: it must fit under the depth limit from here too.
                        if (stack.Count + target.Height > MaxDepth)
                        {
                            errors.Add((line, $"the document nests deeper than {MaxDepth} levels (through the alias *{ShownValue.Of(alias.Value.Value)})"));
                            return new YamlReadResult(null, errors);
                        }

                        root = Add(stack, target, root);
                        break;
                    case MappingEnd or SequenceEnd:
                        {
                            var frame = stack.Pop();
                            var node = frame.Build(out var mergeError);
                            if (mergeError is { } error)
                            {
                                errors.Add(error);
                                return new YamlReadResult(null, errors);
                            }

                            if (!Count(ref total, 1, frame.Line, errors))
                            {
                                return new YamlReadResult(null, errors);
                            }

                            Register(anchors, frame.Anchor, node);
                            root = Add(stack, node, root);
                            break;
                        }
                }
            }
        }
        catch (YamlException e)
        {
            errors.Add((LineOf(e.Start), e.Message));
            return new YamlReadResult(null, errors);
        }

        return new YamlReadResult(root, errors);
    }

    /// <summary>
    /// Moves the parser on. Its syntax errors are <see cref="YamlException"/>s with a position; anything else it throws
    /// on malformed input (it has been seen to throw InvalidOperationException) is reported as well, after the last
    /// line it read.
    /// </summary>
    private static bool Next(Parser parser, int lastLine, List<(int, string)> errors)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception e) when (e is not YamlException)
        {
            errors.Add((lastLine, $"the YAML cannot be parsed after this line ({e.Message})"));
            return false;
        }
    }

    private static bool Count(ref int total, int nodes, int line, List<(int, string)> errors)
    {
        total += nodes;
        if (total <= MaxNodes)
        {
            return true;
        }

        errors.Add((line, $"the document expands to more than {MaxNodes} YAML nodes (aliases repeating aliases?)"));
        return false;
    }

    private static void Register(Dictionary<string, YamlNode> anchors, AnchorName anchor, YamlNode node)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }
    }

    private static YamlNode? Add(Stack<Frame> stack, YamlNode node, YamlNode? root, bool isMergeKey = false)
    {
        if (stack.Count == 0)
        {
            return node;
        }

        stack.Peek().Add(node, isMergeKey);
        return root;
    }

    /// <summary>YAML 1.1's merge key: a plain <c>&lt;&lt;</c> (or one tagged <c>!!merge</c>); a quoted "&lt;&lt;" is an ordinary key.</summary>
    private static bool IsMergeKey(Scalar scalar) =>
        scalar.Value == "<<" && (scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? scalar.Style == ScalarStyle.Plain : scalar.Tag.Value == YamlTagPrefix + "merge");

    private static int LineOf(Mark mark) => mark.Line > int.MaxValue ? int.MaxValue : (int)mark.Line;

    private static YamlScalar ToScalar(Scalar scalar, int line)
    {
        var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
        if (tag is not null)
        {
            var kind = tag switch
            {
                YamlTagPrefix + "null" => ScalarKind.Null,
                YamlTagPrefix + "bool" => ScalarKind.Bool,
                YamlTagPrefix + "int" => ScalarKind.Int,
                YamlTagPrefix + "float" => ScalarKind.Float,
                _ => ScalarKind.String,
            };
            return new YamlScalar(line, scalar.Value, kind, IsBinary: tag == YamlTagPrefix + "binary");
        }

        return new YamlScalar(line, scalar.Value, scalar.Style == ScalarStyle.Plain ? Resolve(scalar.Value) : ScalarKind.String, IsBinary: false);
    }

    /// <summary>YAML 1.1 implicit types of a plain scalar.</summary>
    internal static ScalarKind Resolve(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return ScalarKind.Null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "n" or "N" or "no" or "No" or "NO"
                or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
                or "on" or "On" or "ON" or "off" or "Off" or "OFF":
                return ScalarKind.Bool;
        }

        var plain = text.Replace("_", "", StringComparison.Ordinal);
        if (IntPattern().IsMatch(plain))
        {
            return ScalarKind.Int;
        }

        return FloatPattern().IsMatch(plain) || plain.TrimStart('+', '-') is ".inf" or ".Inf" or ".INF" || plain is ".nan" or ".NaN" or ".NAN"
            ? ScalarKind.Float
            : ScalarKind.String;
    }

    [GeneratedRegex("^[-+]?(0b[01]+|0x[0-9a-fA-F]+|0o?[0-7]*|[1-9][0-9]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    /// <summary>
    /// A mapping or sequence being read. A mapping's merge keys (<c>&lt;&lt;: *defaults</c>, <c>&lt;&lt;: [*a, *b]</c>)
    /// are resolved when it ends, with YAML 1.1's precedence: the mapping's own keys win over merged ones, and an earlier
    /// mapping of a merge list wins over a later one. Merged entries keep the lines where they are written (in the
    /// anchored mapping). They were counted in the node total when the alias was read, and merging only selects among
    /// them, so a merge cannot grow the document past the limits.
    /// </summary>
    private sealed class Frame(bool isMapping, int line, AnchorName anchor)
    {
        private readonly List<YamlNode> _items = [];
        private readonly List<YamlEntry> _entries = [];
        private readonly List<(YamlNode Value, int Line)> _merges = [];
        private (string Key, int Line, bool IsMerge)? _key;
        private int _size = 1;
        private int _height = 1;

        public int Line => line;

        public AnchorName Anchor => anchor;

        public void Add(YamlNode node, bool isMergeKey)
        {
            _size += node.Size;
            _height = Math.Max(_height, node.Height + 1);
            if (!isMapping)
            {
                _items.Add(node);
            }
            else if (_key is not { } key)
            {
                _key = (node is YamlScalar scalar ? scalar.Value : "(complex key)", node.Line, isMergeKey);
            }
            else
            {
                if (key.IsMerge)
                {
                    _merges.Add((node, key.Line));
                }
                else
                {
                    _entries.Add(new YamlEntry(key.Key, key.Line, node));
                }

                _key = null;
            }
        }

        public YamlNode Build(out (int Line, string Message)? error)
        {
            error = null;
            if (!isMapping)
            {
                return new YamlSequence(line, _items, _size) { Height = _height };
            }

            if (_merges.Count == 0)
            {
                return new YamlMapping(line, _entries, _size) { Height = _height };
            }

            var sources = new List<YamlMapping>();
            foreach (var (value, mergeLine) in _merges)
            {
                IReadOnlyList<YamlNode> mappings = value is YamlSequence sequence ? sequence.Items : [value];
                foreach (var source in mappings)
                {
                    if (source is not YamlMapping mapping)
                    {
                        error = (mergeLine, "the value of a merge key (<<) must be a mapping or a list of mappings");
                        return new YamlMapping(line, _entries, _size) { Height = _height };
                    }

                    sources.Add(mapping);
                }
            }

            // Own keys first claimed, then each source in order: the first to name a key gives its value.
            var claimed = _entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            var merged = new List<YamlEntry>();
            foreach (var source in sources)
            {
                // Of a key the source repeats, its last value is the one it means.
                var last = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < source.Entries.Count; i++)
                {
                    last[source.Entries[i].Key] = i;
                }

                merged.AddRange(source.Entries.Where((entry, i) => last[entry.Key] == i && claimed.Add(entry.Key)));
            }

            // Merged entries come first: lookups take the last of a key, and the validator reads the own keys in order.
            merged.AddRange(_entries);
            return new YamlMapping(line, merged, 1 + merged.Sum(e => 1 + e.Value.Size)) { Height = 1 + merged.Select(e => e.Value.Height).DefaultIfEmpty(0).Max() };
        }
    }
}
