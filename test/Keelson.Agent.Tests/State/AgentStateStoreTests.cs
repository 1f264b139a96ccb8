using Keelson.Agent.State;
using Keelson.Disks;

namespace Keelson.Agent.Tests.State;

public sealed class AgentStateStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keelson-state-");

    public void Dispose() => _directory.Delete(recursive: true);

    private AgentStateStore Store() => new(Path.Combine(_directory.FullName, "var", "lib", "keelson"));

    private static AgentState Full() => new(
        PreviousVersion: "3510.2.0",
        AlephVersion: "3374.2.5",
        Download: new DownloadRecord("3602.0.0", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", 312_475_648),
        Installed: new InstalledUpdate("3602.0.0", UsrSlotName.B, "3510.2.0", 312_475_648, Guid.Parse("6d1e2b4c-8f0a-4c55-9a1e-0b6f2d9e7a11")),
        RolledBack: ["3500.0.0", "3501.1.0"],
        RebootLock: "etcd semaphore group 'default' at http://10.0.0.1:2379",
        RebootLockKeptFor: "3602.0.0");

    private static void AssertSame(AgentState expected, AgentState actual)
    {
        // The list is compared by its items; the record compares everything else.
        Assert.Equal(expected.RolledBack, actual.RolledBack);
        Assert.Equal(expected with { RolledBack = actual.RolledBack }, actual);
    }

    [Fact]
    public void Every_field_survives_a_save_and_a_load_by_another_store()
    {
        var state = Full();
        Store().Save(state);

        var loaded = Store().Load();

        AssertSame(state, loaded);
    }

    [Fact]
    public void The_file_is_readable_json_with_the_slot_by_name()
    {
        var store = Store();
        store.Save(Full());

        var text = File.ReadAllText(store.StatePath);

        Assert.Contains("\"previousVersion\": \"3510.2.0\"", text, StringComparison.Ordinal);
        Assert.Contains("\"slot\": \"B\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_previous_version_stays_empty_and_a_missing_one_stays_null()
    {
        var reported = AgentState.Empty with { PreviousVersion = "" };
        var store = Store();

        store.Save(reported);
        var afterReport = store.Load();
        store.Save(AgentState.Empty);
        var neverSet = store.Load();

        Assert.Equal("", afterReport.PreviousVersion);
        Assert.Null(neverSet.PreviousVersion);
        AssertSame(AgentState.Empty, neverSet);
    }

    [Fact]
    public void No_state_file_means_the_empty_state_and_creates_nothing()
    {
        var store = Store();

        var state = store.Load();

        Assert.Same(AgentState.Empty, state);
        Assert.False(Directory.Exists(store.Directory));
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("null")]
    [InlineData("{\"previousVersion\": \"1.0.0\", \"installed\": {\"version\": \"2.0.0\", \"slot\": \"C\"")]
    [InlineData("{\"installed\": {\"version\": \"2.0.0\", \"slot\": \"C\"}, \"rolledBack\": []}")]
    public void A_bad_state_file_is_an_error_that_names_it_and_says_how_to_recover(string text)
    {
        var store = Store();
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.StatePath, text);

        var error = Assert.Throws<UpdateEngineException>(store.Load);

        Assert.StartsWith($"{store.StatePath} is not valid agent state (", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; move it away to start afresh", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.Equal(text, File.ReadAllText(store.StatePath));
    }

    [Fact]
    public void A_state_file_cut_off_by_a_crash_is_an_error_that_names_it()
    {
        var store = Store();
        store.Save(Full());
        var bytes = File.ReadAllBytes(store.StatePath);
        File.WriteAllBytes(store.StatePath, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<UpdateEngineException>(store.Load);

        Assert.Contains(store.StatePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("move it away to start afresh", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"previousVersion\": \"1.0.0\"}")]
    [InlineData("{\"previousVersion\": \"1.0.0\", \"rolledBack\": null}")]
    [InlineData("{\"previousVersion\": \"1.0.0\", \"rolledBack\": [], \"installed\": {\"slot\": \"B\"}}")]
    public void A_state_file_with_fields_left_out_is_refused_or_read_without_nulls(string text)
    {
        // Valid JSON that leaves fields out (edited by hand, or cut short in a way that still parses) must not put
        // nulls behind non-nullable members: the agent would crash on them later (RolledBack.Contains on every offer).
        var store = Store();
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.StatePath, text);

        AgentState? state = null;
        var error = Record.Exception(() => state = store.Load());

        if (error is not null)
        {
            Assert.Contains(store.StatePath, Assert.IsType<UpdateEngineException>(error).Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal("1.0.0", state!.PreviousVersion);
        Assert.NotNull(state.RolledBack);
        Assert.Equal(["2.0.0"], state.WithRolledBack("2.0.0").RolledBack);
        if (state.Installed is { } installed)
        {
            Assert.NotNull(installed.Version);
            Assert.NotNull(installed.FromVersion);
        }
    }

    [Fact]
    public void An_oversized_state_file_is_refused_without_being_parsed()
    {
        var store = Store();
        store.Save(Full());
        // Valid JSON padded past 1 MiB: only the size refuses it.
        File.AppendAllText(store.StatePath, new string(' ', 1 << 20));

        var error = Assert.Throws<UpdateEngineException>(store.Load);

        Assert.Equal($"{store.StatePath} is larger than 1048576 bytes; it is not the agent's state", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void Saving_creates_the_directory_replaces_the_old_state_and_leaves_no_temporary_file()
    {
        var store = Store();

        store.Save(Full());
        store.Save(AgentState.Empty with { AlephVersion = "4000.0.0" });
        store.SaveStatus("CURRENT_OP=UPDATE_STATUS_IDLE\n");

        Assert.Equal(["state.json", "status"], Directory.GetFileSystemEntries(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertSame(AgentState.Empty with { AlephVersion = "4000.0.0" }, store.Load());
        Assert.Equal("CURRENT_OP=UPDATE_STATUS_IDLE\n", File.ReadAllText(store.StatusPath));
    }

    [Fact]
    public void The_store_keeps_its_files_in_its_directory()
    {
        var store = new AgentStateStore("/var/lib/keelson");

        Assert.Equal("/var/lib/keelson/state.json", store.StatePath);
        Assert.Equal("/var/lib/keelson/payload", store.PayloadPath);
        Assert.Equal("/var/lib/keelson/status", store.StatusPath);
        Assert.Equal("/var/lib/keelson/agent.sock", store.SocketPath);
    }

    [Fact]
    public void At_most_sixteen_rolled_back_versions_are_remembered_newest_last()
    {
        var state = AgentState.Empty;
        for (var i = 1; i <= 20; i++)
        {
            state = state.WithRolledBack($"1.{i}.0");
        }

        Assert.Equal(AgentState.RolledBackLimit, state.RolledBack.Count);
        Assert.Equal(Enumerable.Range(5, 16).Select(i => $"1.{i}.0"), state.RolledBack);
        Assert.Empty(AgentState.Empty.RolledBack);
    }

    [Fact]
    public void A_version_rolled_back_again_is_not_listed_twice_or_moved()
    {
        var state = AgentState.Empty.WithRolledBack("1.0.0").WithRolledBack("2.0.0");

        var again = state.WithRolledBack("1.0.0");

        Assert.Equal(["1.0.0", "2.0.0"], again.RolledBack);
        Assert.Same(state, again);
    }
}
