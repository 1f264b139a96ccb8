namespace Keelson.Fuzz;

/// <summary>
/// One reader driven the way the product drives it. <see cref="Run"/> returns when the reader accepted the input or
/// refused it the documented way (its domain exception or error value); any other exception escapes, and is a finding.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name the harness and <c>benchmarks/fuzz.sh</c> take, and the corpus folder's name.</summary>
    string Name { get; }

    /// <summary>What the reader is and which refusal counts as fine, for the harness's usage text.</summary>
    string Description { get; }

    void Run(ReadOnlySpan<byte> input);
}
