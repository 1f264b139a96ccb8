using Xunit.Abstractions;

namespace Keelson.Disks.Tests;

/// <summary>
/// Power cuts in the middle of an attribute update (here: marking USR-B installed, which changes partitions 3 and 4).
/// An update writes the backup entry array and header, flushes, then the primary entry array and header, flushes:
/// 2 x (32 + 1) sector writes with 512-byte sectors, 2 x (4 + 1) with 4096. The disk is cut after every one of them.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task A_crash_after_any_sector_write_leaves_a_disk_with_the_old_or_the_new_attributes(int sectorSize)
    {
        using var temp = new TempDirectory();
        var pristine = await TestDisks.CreateFlatcarAsync(temp, "pristine.img", sectorSize: sectorSize);
        var old = await TestDisks.AttributesAsync(pristine);
        var entrySectors = 16384 / sectorSize;
        var backupDone = entrySectors + 1;
        var total = 2 * backupDone;

        for (var cut = 0; cut <= total; cut++)
        {
            var path = temp.File($"cut-{cut}.img");
            File.Copy(pristine, path);
            using (var disk = await GptDisk.OpenAsync(new CrashingDevice(FileDiskDevice.Open(path, writable: true, sectorSize), cut), default))
            {
                var update = disk.MarkInstalledAsync(UsrSlotName.B);
                if (cut < total)
                {
                    Assert.Equal(cut, (await Assert.ThrowsAsync<SimulatedCrashException>(() => update)).SectorsWritten);
                }
                else
                {
                    await update;
                }
            }

            using (var after = await GptDisk.OpenAsync(path, writable: true))
            {
                var attributes = after.Partitions.ToDictionary(p => p.Number, p => p.Attributes.Value);
                var b = after.GetSlot(UsrSlotName.B);
                if (cut <= backupDone)
                {
                    // The primary header, the commit point, still has the old table: it wins.
                    Assert.Equal(old, attributes);
                }
                else
                {
                    Assert.Equal((2, 1, false), (b.Priority, b.Tries, b.Successful));
                    Assert.Equal(old.Where(a => a.Key is not (3 or 4)), attributes.Where(a => a.Key is not (3 or 4)));
                }

                Assert.Equal(cut is not 0 && cut != total, after.Health.NeedsRepair);
                Assert.Equal(cut > backupDone && cut < total ? "backup" : "primary", after.Health.ReadFrom);
                log.WriteLine($"cut after {cut} sector writes: USR-B priority {b.Priority} tries {b.Tries}; {after.Health}");

                await after.RepairAsync();
                Assert.Equal(attributes, after.Partitions.ToDictionary(p => p.Number, p => p.Attributes.Value));
            }

            using var repaired = await GptDisk.OpenAsync(path);
            Assert.False(repaired.Health.NeedsRepair);
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Sgdisk_and_cgpt_read_the_disk_in_every_crash_state_and_agree_with_Keelson()
    {
        using var temp = new TempDirectory();
        var pristine = await TestDisks.CreateFlatcarAsync(temp, "pristine.img");
        const int BackupDone = 33;
        const int Total = 66;

        for (var cut = 0; cut <= Total; cut++)
        {
            var path = temp.File($"cut-{cut}.img");
            File.Copy(pristine, path);
            using (var disk = await GptDisk.OpenAsync(new CrashingDevice(FileDiskDevice.Open(path, writable: true, 512), cut), default))
            {
                await Record.ExceptionAsync(() => disk.MarkInstalledAsync(UsrSlotName.B));
            }

            var keelson = await TestDisks.AttributesAsync(path);
            var verify = await ExternalTool.RunAsync("sgdisk", "-v", path);
            var print = await ExternalTool.RunAsync("sgdisk", "-p", path);

            // sgdisk reads every state: it lists the partitions and its verification ends normally.
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.True(print.ExitCode == 0 && print.StandardOutput.Contains("USR-B", StringComparison.Ordinal), print.ToString());
            var expected = cut switch
            {
                0 or Total => "No problems found.",
                // Backup entries torn (cut < 33) or backup complete but the primary not yet written (cut == 33).
                <= BackupDone => "Caution: The CRC for the backup partition table is invalid.",
                // Primary entries being written, primary header not yet: the main table's CRC fails.
                _ => "Problem: The CRC for the main partition table is invalid.",
            };
            Assert.True(verify.StandardOutput.ReplaceLineEndings(" ").Contains(expected, StringComparison.Ordinal), $"cut {cut}: {verify}");
            Assert.Contains(cut is 0 or Total ? "No problems found" : cut <= BackupDone ? "Identified 1 problems!" : "Identified 2 problems!",
                verify.StandardOutput, StringComparison.Ordinal);

            // cgpt (the reader Flatcar's tools use) picks the same table as Keelson.
            Assert.Equal((int)(keelson[4] >> 48) & 0xF, await ExternalTool.CgptShowAsync(path, 4, 'P'));
            Assert.Equal((int)(keelson[4] >> 52) & 0xF, await ExternalTool.CgptShowAsync(path, 4, 'T'));
            Assert.Equal((int)(keelson[3] >> 48) & 0xF, await ExternalTool.CgptShowAsync(path, 3, 'P'));

            using (var disk = await GptDisk.OpenAsync(path, writable: true))
            {
                await disk.RepairAsync();
            }

            await ExternalTool.AssertSgdiskFindsNoProblemsAsync(path);
            File.Delete(path);
        }
    }
}
