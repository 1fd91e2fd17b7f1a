using System.Text;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using Xunit;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>
/// /proc/zoneinfo, /proc/buddyinfo and /proc/pagetypeinfo of a small fixed machine against text built by hand from
/// the v5.4 printf formats (mm/vmstat.c: zoneinfo_show_print, frag_show_print, pagetypeinfo_showfree_print,
/// pagetypeinfo_showblockcount_print).
/// </summary>
/// <remarks>
/// Machine (one node, one CPU): DMA [1, 4096) with the 0x9f..0xff hole and pfns 1..5 reserved → spanned 4095,
/// present 3998, managed 3993; DMA32 [4096, 8192) → 4096 managed.
/// min_free_kbytes = int_sqrt((3993 + 4096) × 4 × 16 = 517696) = 719 (719² = 516961, 720² = 518400) → pages_min 179.
/// DMA: min 179×3993/8089 = 88, step max(22, 3) = 22 → low 110, high 132; DMA32: 179×4096/8089 = 90 → 112, 134.
/// lowmem_reserve: DMA[1..3] = 4096/256 = 16; all others 0.
/// pcp: zone_batchsize = rounddown_pow_of_two(1) − 1 = 0 for both → high 0, batch 1.
/// vm stats threshold: 2 × fls(1 cpu) × (1 + fls(managed &gt;&gt; 15 = 0)) = 2.
/// One GFP_KERNEL order-0 allocation: the preferred zone is DMA32 (Normal is empty); UNMOVABLE falls back to the
/// MOVABLE order-10 head 7168, claims its two pageblocks and splits it: pfn 7168 allocated, halves 7169 … 7680 on the
/// UNMOVABLE lists; DMA32 free 4095, numa_hit and numa_local 1.
/// DMA free blocks (boot): [6, 0x9f) → 6 o1, 8 o3, 16 o4, 32 o5, 64 o6, 128 o4, 144 o3, 152 o2, 156 o1, 158 o0
/// (pageblock 0 is UNMOVABLE: pfn 0 is outside the zone); [0x100, 4096) → 256 o8 (UNMOVABLE block 0), 512 o9,
/// 1024/2048/3072 o10 (MOVABLE).
/// </remarks>
public class ProcFormatTests
{
    private static Machine BootAndAllocate()
    {
        Machine m = Machine.Boot(BuddyOrderingTests.SmallProcMachine());
        Assert.Equal(7168, m.AllocPagesPfn(Gfp.Kernel, 0));
        return m;
    }

    [Fact]
    public void Buddyinfo_MatchesHandBuiltText()
    {
        using Machine m = BootAndAllocate();
        string expected =
            "Node 0, zone      DMA      1      2      1      2      2      1      1      0      1      1      3 \n" +
            "Node 0, zone    DMA32      1      1      1      1      1      1      1      1      1      1      3 \n";
        Assert.Equal(expected, ProcBuddyinfo.Read(m));
    }

    [Fact]
    public void Pagetypeinfo_MatchesHandBuiltText()
    {
        using Machine m = BootAndAllocate();
        string zeros = "      0      0      0      0      0      0      0      0      0      0      0 \n";
        string expected =
            "Page block order: 9\n" +
            "Pages per block:  512\n" +
            "\n" +
            "Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n" +
            "Node    0, zone      DMA, type    Unmovable      1      2      1      2      2      1      1      0      1      0      0 \n" +
            "Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      1      3 \n" +
            "Node    0, zone      DMA, type  Reclaimable" + zeros +
            "Node    0, zone      DMA, type   HighAtomic" + zeros +
            "Node    0, zone      DMA, type      Isolate" + zeros +
            "Node    0, zone    DMA32, type    Unmovable      1      1      1      1      1      1      1      1      1      1      0 \n" +
            "Node    0, zone    DMA32, type      Movable      0      0      0      0      0      0      0      0      0      0      3 \n" +
            "Node    0, zone    DMA32, type  Reclaimable" + zeros +
            "Node    0, zone    DMA32, type   HighAtomic" + zeros +
            "Node    0, zone    DMA32, type      Isolate" + zeros +
            "\n" +
            "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n" +
            "Node 0, zone      DMA            1            7            0            0            0 \n" +
            "Node 0, zone    DMA32            2            6            0            0            0 \n";
        Assert.Equal(expected, ProcPagetypeinfo.Read(m));
    }

    [Fact]
    public void Zoneinfo_MatchesHandBuiltText()
    {
        using Machine m = BootAndAllocate();
        var sb = new StringBuilder();
        sb.Append("Node 0, zone      DMA");
        sb.Append("\n  per-node stats");
        foreach (string name in NodeItems)
            Item(sb, name, 0);
        sb.Append("\n  pages free     3993");
        sb.Append("\n        min      88");
        sb.Append("\n        low      110");
        sb.Append("\n        high     132");
        sb.Append("\n        spanned  4095");
        sb.Append("\n        present  3998");
        sb.Append("\n        managed  3993");
        sb.Append("\n        protection: (0, 16, 16, 16)");
        ZoneItems(sb, free: 3993, numaHit: 0);
        Pagesets(sb, startPfn: 1);

        sb.Append("Node 0, zone    DMA32");
        sb.Append("\n  pages free     4095");
        sb.Append("\n        min      90");
        sb.Append("\n        low      112");
        sb.Append("\n        high     134");
        sb.Append("\n        spanned  4096");
        sb.Append("\n        present  4096");
        sb.Append("\n        managed  4096");
        sb.Append("\n        protection: (0, 0, 0, 0)");
        ZoneItems(sb, free: 4095, numaHit: 1);
        Pagesets(sb, startPfn: 4096);

        foreach (string zone in new[] { "Node 0, zone   Normal", "Node 0, zone  Movable" })
        {
            sb.Append(zone);
            sb.Append("\n  pages free     0");
            sb.Append("\n        min      0");
            sb.Append("\n        low      0");
            sb.Append("\n        high     0");
            sb.Append("\n        spanned  0");
            sb.Append("\n        present  0");
            sb.Append("\n        managed  0");
            sb.Append("\n        protection: (0, 0, 0, 0)");
            sb.Append('\n');
        }
        Assert.Equal(sb.ToString(), ProcZoneinfo.Read(m));
    }

    // vmstat_text order of kernel-reference §15 (written out independently of the implementation's tables).
    private static readonly string[] NodeItems =
    [
        "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
        "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
        "workingset_refault", "workingset_activate", "workingset_restore", "workingset_nodereclaim", "nr_anon_pages",
        "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages",
        "nr_shmem_pmdmapped", "nr_file_hugepages", "nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_unstable",
        "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written", "nr_kernel_misc_reclaimable",
    ];

    private static void ZoneItems(StringBuilder sb, long free, long numaHit)
    {
        Item(sb, "nr_free_pages", free);
        foreach (string name in new[]
        {
            "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
            "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", "nr_page_table_pages", "nr_kernel_stack",
            "nr_bounce", "nr_free_cma",
        })
            Item(sb, name, 0);
        Item(sb, "numa_hit", numaHit);
        Item(sb, "numa_miss", 0);
        Item(sb, "numa_foreign", 0);
        Item(sb, "numa_interleave", 0);
        Item(sb, "numa_local", numaHit);
        Item(sb, "numa_other", 0);
    }

    private static void Pagesets(StringBuilder sb, ulong startPfn)
    {
        sb.Append("\n  pagesets");
        sb.Append("\n    cpu: 0");
        sb.Append("\n              count: 0");
        sb.Append("\n              high:  0");
        sb.Append("\n              batch: 1");
        sb.Append("\n  vm stats threshold: 2");
        sb.Append("\n  node_unreclaimable:  0");
        sb.Append("\n  start_pfn:           ").Append(startPfn);
        sb.Append('\n');
    }

    /// <summary>"\n      %-12s %lu": the name left-aligned in 12 columns (longer names are not cut), a space, the value.</summary>
    private static void Item(StringBuilder sb, string name, long value) =>
        sb.Append("\n      ").Append(name.PadRight(12)).Append(' ').Append(value);
}
