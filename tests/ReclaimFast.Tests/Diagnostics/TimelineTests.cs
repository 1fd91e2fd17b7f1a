using System;
using System.IO;
using System.Linq;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.Diagnostics;

/// <summary>TimelineRecorder: one row per interval, the bounded buffer, the CSV and its derived rates.</summary>
public sealed class TimelineTests
{
    /// <summary>A one-node machine with a task that is always runnable and never sleeps: one jiffy per step.</summary>
    private static Machine BusyMachine()
    {
        Machine m = Machine.Boot(MachineDescription.Uniform(1, 8192));
        m.ConfigureEventLoop(seed: 7);
        m.AddTask(new PinnedAllocTask("kmalloc", 1_000_000, burst: 1));
        return m;
    }

    [Fact]
    public void SampleIfDue_TakesOneRowPerInterval()
    {
        using Machine m = BusyMachine();
        var t = new TimelineRecorder(m, intervalJiffies: 10);
        Assert.True(t.SampleIfDue(m));          // the first call always samples (jiffies 0)
        for (int i = 0; i < 95; i++)
        {
            m.RunStep();
            t.SampleIfDue(m);
        }
        // 95 steps of one jiffy each: rows at jiffies 0, 10, …, 90.
        Assert.Equal(95UL, m.Jiffies);
        Assert.Equal(10, t.Count);
        for (int r = 0; r < t.Count; r++)
            Assert.Equal(10L * r, t.Value(r, t.ColumnIndex("jiffies")));
        Assert.Equal(90.0 / m.Hz, t.Seconds(9), 9); // jiffies / HZ
    }

    [Fact]
    public void Sample_RecordsTheMachinesCounters()
    {
        using Machine m = BusyMachine();
        var t = new TimelineRecorder(m, intervalJiffies: 1);
        m.Run(300);
        t.Sample(m);
        long free = 0, min = 0, low = 0, high = 0;
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            free += m.ZonePageState(0, (ZoneType)z, ZoneStatItem.NrFreePages);
            min += (long)m.ZoneWatermark(0, (ZoneType)z, 0);
            low += (long)m.ZoneWatermark(0, (ZoneType)z, 1);
            high += (long)m.ZoneWatermark(0, (ZoneType)z, 2);
        }
        Assert.Equal(free, t.Value(0, t.ColumnIndex("node0_free")));
        Assert.Equal(min, t.Value(0, t.ColumnIndex("node0_wmark_min")));
        Assert.Equal(low, t.Value(0, t.ColumnIndex("node0_wmark_low")));
        Assert.Equal(high, t.Value(0, t.ColumnIndex("node0_wmark_high")));
        Assert.Equal(m.VmEvent(VmEventItem.PgallocDma) + m.VmEvent(VmEventItem.PgallocDma32) + m.VmEvent(VmEventItem.PgallocNormal),
            t.Value(0, t.ColumnIndex("pgalloc_dma")) + t.Value(0, t.ColumnIndex("pgalloc_dma32")) + t.Value(0, t.ColumnIndex("pgalloc_normal")));
        // Every event counter has a column under its /proc/vmstat name.
        foreach (string name in VmEvent.Text)
            Assert.True(t.ColumnIndex(name) >= 0, name);
        // A second sample at the same jiffy replaces the first.
        t.Sample(m);
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void FullBuffer_DropsEveryOtherRowAndDoublesTheInterval()
    {
        using Machine m = BusyMachine();
        var t = new TimelineRecorder(m, intervalJiffies: 1, maxRows: 4);
        t.Sample(m);
        for (int i = 0; i < 8; i++)
        {
            m.RunStep();
            t.SampleIfDue(m);
        }
        // j 0..3 fill it; j 4 halves to {0, 2} (interval 2) and adds 4; j 6 is due; j 8 halves to {0, 4}
        // (interval 4) and adds 8.
        Assert.Equal(8UL, m.Jiffies);
        Assert.Equal(4UL, t.IntervalJiffies);
        Assert.Equal(new long[] { 0, 4, 8 }, Enumerable.Range(0, t.Count).Select(r => t.Value(r, 0)).ToArray());
    }

    [Fact]
    public void WriteCsv_HeaderRowsAndRates()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 8192));
        m.ConfigureEventLoop(seed: 3);
        // Twice the machine's memory through the page cache: kswapd must scan and steal.
        m.AddTask(new PageCacheFillTask("reader", 16384, burst: 32));
        var t = new TimelineRecorder(m, intervalJiffies: 25);
        t.Sample(m);
        while (m.RunStep() && !m.Tasks[0].HasExited)
            t.SampleIfDue(m);
        t.Sample(m);
        Assert.True(m.VmEvent(VmEventItem.PgscanKswapd) + m.VmEvent(VmEventItem.PgscanDirect) > 0);

        var sw = new StringWriter();
        t.WriteCsv(sw);
        string[] lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(t.Count + 1, lines.Length);
        string[] header = lines[0].Split(',');
        Assert.Equal(["jiffies", "seconds", "node0_free", "node0_wmark_min", "node0_wmark_low", "node0_wmark_high"], header[..6]);
        Assert.Equal(["pgscan_per_s", "pgsteal_per_s", "workingset_refault_per_s"], header[^3..]);
        Assert.Equal(t.Columns.Length + 4, header.Length);
        foreach (string line in lines.Skip(1))
            Assert.Equal(header.Length, line.Split(',').Length);

        // pgscan_per_s = Δ(pgscan_kswapd + pgscan_direct) × HZ / Δjiffies between consecutive rows.
        int js = Array.IndexOf(header, "jiffies"), k = Array.IndexOf(header, "pgscan_kswapd"), d = Array.IndexOf(header, "pgscan_direct");
        int rate = Array.IndexOf(header, "pgscan_per_s");
        bool sawScan = false;
        for (int r = 2; r < lines.Length; r++)
        {
            string[] a = lines[r - 1].Split(','), b = lines[r].Split(',');
            double dj = long.Parse(b[js]) - long.Parse(a[js]);
            double expected = (long.Parse(b[k]) + long.Parse(b[d]) - long.Parse(a[k]) - long.Parse(a[d])) * m.Hz / dj;
            Assert.Equal(expected, double.Parse(b[rate]), 2);
            sawScan |= expected > 0;
        }
        Assert.True(sawScan);
        // The last row is the machine's final state.
        Assert.Equal(m.VmEvent(VmEventItem.PgscanKswapd).ToString(), lines[^1].Split(',')[k]);
    }

    [Fact]
    public void RecorderForAnotherNodeCount_IsRejected()
    {
        using Machine m = BusyMachine();
        var t = new TimelineRecorder(2);
        Assert.Throws<ArgumentException>(() => t.Sample(m));
    }
}

/// <summary>Sampling allocates nothing once the buffer exists.</summary>
[Collection(ZeroAllocCollection.Name)]
public sealed class TimelineZeroAllocTests
{
    [Fact]
    public void Sample_AfterWarmup_AllocatesNothing()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 8192, nrCpus: 2));
        m.ConfigureEventLoop(seed: 1);
        m.AddTask(new PinnedAllocTask("kmalloc", 1_000_000, burst: 1));
        m.Run(10); // the event loop's own arrays grow on first use
        var t = new TimelineRecorder(m, intervalJiffies: 1, maxRows: 64);
        AllocationAssert.ZeroAllocations(
            () => t.Sample(m),
            () =>
            {
                // 200 samples through a 64-row buffer: halving included.
                for (int i = 0; i < 200; i++)
                {
                    m.RunStep();
                    t.SampleIfDue(m);
                }
            });
        Assert.True(t.Count <= 64);
    }
}
