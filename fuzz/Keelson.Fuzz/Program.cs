using Keelson.Fuzz;
using SharpFuzz;

// keelson-fuzz TARGET                  run under afl-fuzz (persistent mode), one input per round
// keelson-fuzz replay TARGET PATH...   run files (or every file of folders) once; exit 1 if any is a finding
// keelson-fuzz seeds CORPUS            write the generated seeds into CORPUS/<target>/
const string Usage = "usage: keelson-fuzz TARGET | keelson-fuzz replay TARGET PATH... | keelson-fuzz seeds CORPUS";

if (args is ["seeds", var corpus])
{
    await SeedWriter.WriteAsync(corpus, CancellationToken.None);
    return 0;
}

var replay = args is ["replay", _, _, ..];
var name = replay ? args[1] : args is [var only] ? only : null;
if (name is null || FuzzTargets.Find(name) is not { } target)
{
    await Console.Error.WriteLineAsync(name is null ? Usage : $"unknown target '{name}'; the targets are:");
    foreach (var known in FuzzTargets.All)
    {
        await Console.Error.WriteLineAsync($"  {known.Name,-15} {known.Description}");
    }

    return 2;
}

if (replay)
{
    return Replay.Run(target, args[2..], Console.Out) ? 0 : 1;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
