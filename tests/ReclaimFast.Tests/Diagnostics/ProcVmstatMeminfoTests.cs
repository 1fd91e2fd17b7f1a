using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.Diagnostics;

/// <summary>
/// /proc/vmstat, the per-node vmstat and /proc/meminfo against text built by hand from the v5.4 formats
/// (mm/vmstat.c vmstat_show: "%s %lu\n"; drivers/base/node.c node_read_vmstat; fs/proc/meminfo.c show_val_kb:
/// 16-character label literal, "%8lu kB\n") on a small machine whose counters the test sets.
/// </summary>
public unsafe class ProcVmstatMeminfoTests
{
    /// <summary>vmstat_text of v5.4 for ReclaimFast's config (see VmEvent): typed from mm/vmstat.c, not from the library.</summary>
    private static readonly string[] s_vmstatNames =
    [
        // zone
        "nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
        "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_page_table_pages", "nr_kernel_stack",
        "nr_bounce", "nr_free_cma",
        // numa
        "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
        // node
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
        "workingset_refault", "workingset_activate", "workingset_restore", "workingset_nodereclaim", "nr_anon_pages",
        "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_writeback_temp", "nr_shmem",
        "nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped",
        "nr_anon_transparent_hugepages", "nr_unstable", "nr_vmscan_write", "nr_vmscan_immediate_reclaim",
        "nr_dirtied", "nr_written", "nr_kernel_misc_reclaimable",
        // writeback
        "nr_dirty_threshold", "nr_dirty_background_threshold",
        // events
        "pgpgin", "pgpgout", "pswpin", "pswpout",
        "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable",
        "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
        "pgskip_dma", "pgskip_dma32", "pgskip_normal", "pgskip_movable",
        "pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill",
        "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle",
        "zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
        "kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
        "pgmigrate_success", "pgmigrate_fail", "compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
        "compact_stall", "compact_fail", "compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned",
        "compact_daemon_free_scanned", "unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
        "unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
        "swap_ra", "swap_ra_hit",
    ];

    /// <summary>One node, DMA [0, 4096) and DMA32 [4096, 8192), one swap device of 1001 slots (1000 usable).</summary>
    private static Machine Small()
    {
        Machine m = Machine.Boot(MachineDescription.Uniform(1, 8192));
        m.SwapOn(1001);
        return m;
    }

    /// <summary>Sets some node counters of node 0 and events to known values (no pages behind them: format only).</summary>
    private static void SetCounters(Machine m)
    {
        PglistData* pgdat = m.NodeData(0);
        m.ModNodePageState(pgdat, NodeStatItem.NrActiveFile, 1000);
        m.ModNodePageState(pgdat, NodeStatItem.NrInactiveFile, 3000);
        m.ModNodePageState(pgdat, NodeStatItem.NrFilePages, 4000);
        m.ModNodePageState(pgdat, NodeStatItem.NrActiveAnon, 700);
        m.ModNodePageState(pgdat, NodeStatItem.NrInactiveAnon, 300);
        m.ModNodePageState(pgdat, NodeStatItem.NrAnonMapped, 1000);
        m.ModNodePageState(pgdat, NodeStatItem.NrSlabReclaimable, 200);
        m.ModNodePageState(pgdat, NodeStatItem.NrSlabUnreclaimable, 50);
        m.ModNodePageState(pgdat, NodeStatItem.NrKernelMiscReclaimable, 100);
        m.ModNodePageState(pgdat, NodeStatItem.NrFileDirty, 5);
        m.ModNodePageState(pgdat, NodeStatItem.NrShmem, 10);
        m.ModNodePageState(pgdat, NodeStatItem.NrIsolatedFile, -3); // transiently negative: printed as 0
        m.ModZonePageState(m.ZoneOf(0, ZoneType.Dma32), ZoneStatItem.NrKernelStackKb, 48);
        m.CountVmEvent(VmEventItem.Pgpgin, 7);   // sectors: printed 3
        m.CountVmEvent(VmEventItem.Pgpgout, 10); // printed 5
        m.CountVmEvent(VmEventItem.OomKill, 2);
    }

    private static ulong Clamp(long v) => v < 0 ? 0 : (ulong)v;

    [Fact]
    public void Vmstat_NamesOrderAndValues_AsVmstatShow()
    {
        using Machine m = Small();
        SetCounters(m);
        Assert.Equal(VmStat.NrVmZoneStatItems + VmStat.NrVmNumaStatItems + VmStat.NrVmNodeStatItems + 2 + VmEvent.NrVmEventItems,
            s_vmstatNames.Length);

        // global_dirtyable_memory: free − min(free, totalreserve) + file LRUs + 1; domain_dirty_limits with
        // ratio 20 × 4096 / 100 = 819 and 10 × 4096 / 100 = 409 per page.
        ulong free = Clamp(m.GlobalZonePageState(ZoneStatItem.NrFreePages));
        ulong avail = free - Math.Min(free, m.TotalreservePages) + 1000 + 3000 + 1;
        ulong thresh = 819 * avail / 4096, bg = 409 * avail / 4096;
        Assert.True(bg < thresh);

        var expected = new StringBuilder();
        int k = 0;
        for (int i = 0; i < VmStat.NrVmZoneStatItems; i++)
            expected.Append(s_vmstatNames[k++]).Append(' ').Append(Clamp(m.GlobalZonePageState((ZoneStatItem)i))).Append('\n');
        for (int i = 0; i < VmStat.NrVmNumaStatItems; i++)
            expected.Append(s_vmstatNames[k++]).Append(' ').Append(Clamp(m.ZoneNumaState(0, ZoneType.Dma, (NumaStatItem)i) + m.ZoneNumaState(0, ZoneType.Dma32, (NumaStatItem)i))).Append('\n');
        for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
            expected.Append(s_vmstatNames[k++]).Append(' ').Append(Clamp(m.NodePageState(0, (NodeStatItem)i))).Append('\n');
        expected.Append(s_vmstatNames[k++]).Append(' ').Append(thresh).Append('\n');
        expected.Append(s_vmstatNames[k++]).Append(' ').Append(bg).Append('\n');
        for (int i = 0; i < VmEvent.NrVmEventItems; i++)
        {
            long v = m.VmEvent((VmEventItem)i);
            if (i <= 1)
                v /= 2;
            expected.Append(s_vmstatNames[k++]).Append(' ').Append(v).Append('\n');
        }
        string text = ProcVmstat.Read(m);
        Assert.Equal(expected.ToString(), text);

        // A few lines fully by hand.
        Assert.Contains("\nnr_inactive_file 3000\n", text);
        Assert.Contains("\nnr_isolated_file 0\n", text);
        Assert.Contains("\nnr_dirty 5\n", text);
        Assert.Contains("\npgpgin 3\npgpgout 5\n", text);
        Assert.Contains("\noom_kill 2\n", text);
        Assert.EndsWith("\nswap_ra 0\nswap_ra_hit 0\n", text);
    }

    [Fact]
    public void DirtyThresholds_BackgroundHalvedWhenNotBelowThreshold()
    {
        // domain_dirty_limits: bg_thresh ≥ thresh → thresh / 2. With avail = 1 (nothing free or cached):
        // thresh = 819 × 1 / 4096 = 0, bg = 0 → 0 ≥ 0 → bg = 0 / 2 = 0. With avail = 6: thresh 1, bg 0.
        using Machine m = Small();
        long free = m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        m.ModZonePageState(m.ZoneOf(0, ZoneType.Dma32), ZoneStatItem.NrFreePages, -free);
        Assert.Equal(1UL, ProcVmstat.GlobalDirtyableMemory(m));
        ProcVmstat.GlobalDirtyLimits(m, out ulong bg, out ulong dirty);
        Assert.Equal((0UL, 0UL), (bg, dirty));
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrInactiveFile, 5);
        ProcVmstat.GlobalDirtyLimits(m, out bg, out dirty);
        Assert.Equal((0UL, 1UL), (bg, dirty)); // 819×6/4096 = 1, 409×6/4096 = 0
    }

    [Fact]
    public void NodeVmstat_ZoneNumaAndNodeItemsOfOneNode()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 8192));
        m.ModNodePageState(m.NodeData(1), NodeStatItem.NrActiveFile, 42);
        for (int nid = 0; nid < 2; nid++)
        {
            var expected = new StringBuilder();
            int k = 0;
            for (int i = 0; i < VmStat.NrVmZoneStatItems; i++)
            {
                ulong sum = 0;
                for (int z = 0; z < MmZone.MaxNrZones; z++)
                    sum += Clamp(m.ZonePageState(nid, (ZoneType)z, (ZoneStatItem)i));
                expected.Append(s_vmstatNames[k++]).Append(' ').Append(sum).Append('\n');
            }
            for (int i = 0; i < VmStat.NrVmNumaStatItems; i++)
            {
                ulong sum = 0;
                for (int z = 0; z < MmZone.MaxNrZones; z++)
                    sum += Clamp(m.ZoneNumaState(nid, (ZoneType)z, (NumaStatItem)i));
                expected.Append(s_vmstatNames[k++]).Append(' ').Append(sum).Append('\n');
            }
            for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
                expected.Append(s_vmstatNames[k++]).Append(' ').Append(Clamp(m.NodePageState(nid, (NodeStatItem)i))).Append('\n');
            Assert.Equal(expected.ToString(), ProcVmstat.ReadNode(m, nid));
        }
        Assert.Contains("\nnr_active_file 42\n", ProcVmstat.ReadNode(m, 1));
        Assert.Contains("\nnr_active_file 0\n", ProcVmstat.ReadNode(m, 0));
        // Node 1 has Normal only: its free pages are Normal's managed pages (nothing allocated).
        Assert.StartsWith($"nr_free_pages {m.ZoneManagedPages(1, ZoneType.Normal)}\n", ProcVmstat.ReadNode(m, 1));
    }

    private static ulong SumManaged(Machine m)
    {
        ulong sum = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += m.ZoneManagedPages(nid, (ZoneType)z);
        }
        return sum;
    }

    private static ulong SumLowWmark(Machine m)
    {
        ulong sum = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += m.ZoneWatermark(nid, (ZoneType)z, 1);
        }
        return sum;
    }

    private static string Kb(string label, ulong pages)
    {
        Assert.Equal(16, label.Length); // show_val_kb labels are padded to 16 in fs/proc/meminfo.c
        return $"{label}{pages * 4,8} kB\n";
    }

    [Fact]
    public void Meminfo_EveryLineInOrder_AsShowValKb()
    {
        using Machine m = Small();
        SetCounters(m);
        ulong total = SumManaged(m);
        ulong free = Clamp(m.GlobalZonePageState(ZoneStatItem.NrFreePages));
        // si_mem_available by hand (mm/page_alloc.c): low = Σ low watermarks; pagecache 4000; reclaimable 300.
        ulong low = SumLowWmark(m);
        long available = (long)free - (long)m.TotalreservePages
                         + (4000 - (long)Math.Min(2000UL, low))
                         + (300 - (long)Math.Min(150UL, low));
        Assert.True(available > 0);
        string expected =
            Kb("MemTotal:       ", total) +
            Kb("MemFree:        ", free) +
            Kb("MemAvailable:   ", (ulong)available) +
            Kb("Buffers:        ", 0) +
            Kb("Cached:         ", 4000) +       // NR_FILE_PAGES − swap cache (0) − buffers (0)
            Kb("SwapCached:     ", 0) +
            Kb("Active:         ", 1700) +
            Kb("Inactive:       ", 3300) +
            Kb("Active(anon):   ", 700) +
            Kb("Inactive(anon): ", 300) +
            Kb("Active(file):   ", 1000) +
            Kb("Inactive(file): ", 3000) +
            Kb("Unevictable:    ", 0) +
            Kb("Mlocked:        ", 0) +
            Kb("SwapTotal:      ", 1000) +       // 1001 slots less the header
            Kb("SwapFree:       ", 1000) +
            Kb("Dirty:          ", 5) +
            Kb("Writeback:      ", 0) +
            Kb("AnonPages:      ", 1000) +
            Kb("Mapped:         ", 0) +
            Kb("Shmem:          ", 10) +
            Kb("KReclaimable:   ", 300) +
            Kb("Slab:           ", 250) +
            Kb("SReclaimable:   ", 200) +
            Kb("SUnreclaim:     ", 50) +
            "KernelStack:          48 kB\n" +  // "KernelStack:    %8lu kB": already KiB
            Kb("PageTables:     ", 0) +
            Kb("NFS_Unstable:   ", 0) +
            Kb("Bounce:         ", 0) +
            Kb("WritebackTmp:   ", 0) +
            Kb("CommitLimit:    ", total * 50 / 100 + 1000) + // vm_commit_limit, overcommit_ratio 50
            Kb("Committed_AS:   ", 0) +
            "VmallocTotal:   34359738367 kB\n" + // (32 TiB − 1) >> 10, as on any 4-level x86-64
            Kb("VmallocUsed:    ", 0) +
            Kb("VmallocChunk:   ", 0) +
            Kb("Percpu:         ", 0) +
            "HardwareCorrupted:     0 kB\n" +
            Kb("AnonHugePages:  ", 0) +
            Kb("ShmemHugePages: ", 0) +
            Kb("ShmemPmdMapped: ", 0) +
            Kb("FileHugePages:  ", 0) +
            Kb("FilePmdMapped:  ", 0) +
            Kb("CmaTotal:       ", 0) +
            Kb("CmaFree:        ", 0) +
            "HugePages_Total:       0\n" +
            "HugePages_Free:        0\n" +
            "HugePages_Rsvd:        0\n" +
            "HugePages_Surp:        0\n" +
            "Hugepagesize:       2048 kB\n" +
            "Hugetlb:               0 kB\n" +
            "DirectMap4k:           0 kB\n" +
            "DirectMap2M:           0 kB\n" +
            "DirectMap1G:           0 kB\n";
        Assert.Equal(expected, ProcMeminfo.Read(m));
    }

    [Theory]
    [InlineData(4000L, 1000L)]  // halves (2000, 500) above Σ low: the low watermark sum is subtracted
    [InlineData(100L, 20L)]     // halves (50, 10) below Σ low: half is subtracted
    public void MemAvailable_FollowsSiMemAvailable(long pagecache, long reclaimable)
    {
        using Machine m = Small();
        PglistData* pgdat = m.NodeData(0);
        m.ModNodePageState(pgdat, NodeStatItem.NrInactiveFile, pagecache);
        m.ModNodePageState(pgdat, NodeStatItem.NrSlabReclaimable, reclaimable);
        long low = (long)SumLowWmark(m);
        Assert.InRange(low, 51, 499); // both cases sit on the intended side of min(half, low)
        long free = m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        long expected = free - (long)m.TotalreservePages + pagecache - Math.Min(pagecache / 2, low)
                        + reclaimable - Math.Min(reclaimable / 2, low);
        Assert.Equal((ulong)expected, ProcMeminfo.SiMemAvailable(m));
    }

    [Fact]
    public void MemAvailable_ClampsAtZero()
    {
        using Machine m = Small();
        long free = m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        m.ModZonePageState(m.ZoneOf(0, ZoneType.Dma32), ZoneStatItem.NrFreePages, -free);
        Assert.True(m.TotalreservePages > 0); // 0 − totalreserve < 0
        Assert.Equal(0UL, ProcMeminfo.SiMemAvailable(m));
        Assert.Contains("MemAvailable:          0 kB\n", ProcMeminfo.Read(m));
    }

    [Fact]
    public void Vmstat_AfterPageCacheFill_ShowsKswapdReclaim()
    {
        using Machine m = LruTestKit.Small(16384);
        m.ConfigureEventLoop(seed: 3);
        var reader = new PageCacheFillTask("reader", 24000, burst: 32);
        m.AddTask(reader);
        m.Run(1_000_000);
        Assert.Equal(24000, reader.PagesAdded);

        Dictionary<string, ulong> v = ProcVmstat.Read(m).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => ulong.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(s_vmstatNames, v.Keys.ToArray());
        // 24000 pages read into 16384: at least 24000 − 16384 were reclaimed, by kswapd or direct reclaim.
        Assert.True(v["pgsteal_kswapd"] + v["pgsteal_direct"] >= 24000 - 16384);
        Assert.True(v["pgscan_kswapd"] >= v["pgsteal_kswapd"]);
        Assert.True(v["pageoutrun"] > 0);
        Assert.Equal((ulong)m.GlobalNodePageState(NodeStatItem.NrInactiveFile) + (ulong)m.GlobalNodePageState(NodeStatItem.NrActiveFile),
            v["nr_inactive_file"] + v["nr_active_file"]);
        // Meminfo's file LRUs agree with vmstat's (pages × 4 KiB).
        string meminfo = ProcMeminfo.Read(m);
        Assert.Contains($"Inactive(file): {v["nr_inactive_file"] * 4,8} kB\n", meminfo);
        Assert.Contains($"MemFree:        {v["nr_free_pages"] * 4,8} kB\n", meminfo);
    }
}
