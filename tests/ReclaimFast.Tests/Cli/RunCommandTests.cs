using System;
using System.IO;
using System.Linq;
using ReclaimFast.Cli.Commands;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>The main job as a user runs it: boot summary and the two /proc reports, and --out written atomically.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public void MainJobPrintsSummaryZoneinfoAndBuddyinfo()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, RunCommand.Run(null, stdout));
        string text = stdout.ToString();
        Assert.Contains("booted the default machine", text);
        Assert.Contains("==> /proc/zoneinfo <==", text);
        Assert.Contains("==> /proc/buddyinfo <==", text);
        Assert.Contains("Node 0, zone      DMA", text);   // `Node %d, zone %8s` (mm/vmstat.c)
        Assert.Contains("Node 1, zone   Normal", text);
        Assert.Contains("nodes 2,", text);
    }

    [Fact]
    public void OutWritesProcFilesAndLeavesNoTemporaryDirectory()
    {
        string parent = Path.Combine(Path.GetTempPath(), "rf-run-" + Guid.NewGuid().ToString("N"));
        string outDir = Path.Combine(parent, "out");
        try
        {
            Assert.Equal(0, RunCommand.Run(outDir, new StringWriter()));
            foreach (string f in new[] { "proc/zoneinfo", "proc/buddyinfo", "proc/pagetypeinfo", "proc/vmstat", "proc/meminfo", "summary.txt" })
                Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
            // v5.4 first lines: vmstat_text[0] and show_val_kb's 16-character label.
            Assert.StartsWith("nr_free_pages ", File.ReadAllText(Path.Combine(outDir, "proc/vmstat")));
            string meminfo = File.ReadAllText(Path.Combine(outDir, "proc/meminfo"));
            Assert.StartsWith("MemTotal:       ", meminfo);
            // MemTotal = Σ managed pages of the default machine, in KiB.
            using (Machine m = Machine.CreateDefault())
            {
                ulong managed = 0;
                for (int nid = 0; nid < m.NrNodes; nid++)
                    for (int z = 0; z < Mm.PageAlloc.MmZone.MaxNrZones; z++)
                        managed += m.ZoneManagedPages(nid, (Mm.PageAlloc.ZoneType)z);
                Assert.StartsWith($"MemTotal:       {managed * 4,8} kB\n", meminfo);
            }
            Assert.Equal(new[] { "out" }, Directory.GetDirectories(parent).Select(Path.GetFileName).ToArray());
            // A second run replaces the first atomically.
            Assert.Equal(0, RunCommand.Run(outDir, new StringWriter()));
            Assert.Single(Directory.GetDirectories(parent));
        }
        finally
        {
            if (Directory.Exists(parent))
                Directory.Delete(parent, recursive: true);
        }
    }
}
