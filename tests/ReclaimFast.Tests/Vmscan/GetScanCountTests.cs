using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>
/// get_scan_count's six decisions and inactive_list_is_low on constructed lruvecs. The node lruvec reads its list
/// sizes from the zone NR_ZONE_* counters (as the kernel does with memcg disabled), so the tests set those counters
/// directly, and the node NR_* counters to match, then restore them.
/// </summary>
public unsafe class GetScanCountTests
{
    private const int Dma32 = (int)ZoneType.Dma32;

    // Puts n pages on list lru of zone DMA32 (counters only) and returns a restore action.
    private static void SetLru(Machine m, LruList lru, long n)
    {
        PglistData* pgdat = m.NodeData(0);
        Zone* z = PglistData.NodeZone(pgdat, Dma32);
        long old = z->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon + (int)lru];
        z->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon + (int)lru] = n;
        pgdat->VmStat[(int)lru] += n - old;
    }

    private static void ClearLrus(Machine m)
    {
        for (int l = 0; l < Lru.NrLruLists; l++)
            SetLru(m, (LruList)l, 0);
    }

    private static Machine WithSizes(long ia, long aa, long inf, long af, long swap)
    {
        Machine m = LruTestKit.Small();
        SetLru(m, LruList.InactiveAnon, ia);
        SetLru(m, LruList.ActiveAnon, aa);
        SetLru(m, LruList.InactiveFile, inf);
        SetLru(m, LruList.ActiveFile, af);
        m.TotalSwapPages = swap;
        m.NrSwapPages = swap;
        return m;
    }

    private static (ScanBalance, ulong[]) Run(Machine m, ScanControl sc)
    {
        ulong* nr = stackalloc ulong[5];
        ScanBalance b = m.GetScanCount(LruTestKit.NodeLruvec(m), 0, &sc, nr, out _);
        ClearLrus(m);
        return (b, [nr[0], nr[1], nr[2], nr[3]]);
    }

    [Theory]
    // Kernel comment table (mm/vmscan.c above inactive_list_is_low) and int_sqrt(10 * gb):
    // 1 GB → int_sqrt(10) = 3; 10 GB → int_sqrt(100) = 10; 100 GB → int_sqrt(1000) = 31; 1 TB → int_sqrt(10240) = 101.
    [InlineData(1UL << 18, 3UL)]
    [InlineData(10UL << 18, 10UL)]
    [InlineData(100UL << 18, 31UL)]
    [InlineData(1024UL << 18, 101UL)]
    [InlineData(100UL, 1UL)]          // below 1 GB: ratio 1
    public void InactiveRatio_MatchesKernelTable(ulong pages, ulong ratio) => Assert.Equal(ratio, Machine.InactiveRatio(pages));

    [Fact]
    public void InactiveListIsLow_FileRefaultsSinceSnapshot_DropRatioToZero()
    {
        using Machine m = WithSizes(0, 0, 1000, 900, 0);
        ScanControl sc = LruTestKit.DirectReclaimSc();
        // 1000·1 < 900 is false: not low.
        Assert.False(m.InactiveListIsLow(LruTestKit.NodeLruvec(m), true, &sc, false));
        // A refault activation since the last snapshot: ratio 0, so 1000·0 < 900.
        m.NodeData(0)->VmStat[(int)NodeStatItem.WorkingsetActivate] = 1;
        Assert.True(m.InactiveListIsLow(LruTestKit.NodeLruvec(m), true, &sc, false));
        m.SnapshotRefaults(0, m.NodeData(0));
        Assert.False(m.InactiveListIsLow(LruTestKit.NodeLruvec(m), true, &sc, false));
        // Anon with no swap configured: never low.
        SetLru(m, LruList.InactiveAnon, 1);
        SetLru(m, LruList.ActiveAnon, 1000);
        Assert.False(m.InactiveListIsLow(LruTestKit.NodeLruvec(m), false, &sc, false));
        ClearLrus(m);
    }

    [Fact]
    public void Decision1_NoSwapOrMayNotSwap_ScansFileOnly()
    {
        // 40000 >> 12 = 9 ... but SCAN_FILE zeroes anon: nr = {0, 0, 1000>>12 = 0, 9000>>12 = 2}.
        using Machine m = WithSizes(40000, 20000, 1000, 9000, swap: 0);
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc());
        Assert.Equal(ScanBalance.File, b);
        Assert.Equal(new ulong[] { 0, 0, 0, 2 }, nr);

        using Machine m2 = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        ScanControl sc = LruTestKit.DirectReclaimSc();
        sc.MaySwap = false;
        (b, nr) = Run(m2, sc);
        Assert.Equal(ScanBalance.File, b);
        Assert.Equal(new ulong[] { 0, 0, 0, 2 }, nr);
    }

    [Fact]
    public void Decision2_MemcgReclaimWithSwappinessZero_ScansFileOnly()
    {
        using Machine m = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        m.VmSwappiness = 0;
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 4);
        sc.TargetMemCgroup = 1;     // any non-root target: not global reclaim
        var (b, nr) = Run(m, sc);
        Assert.Equal(ScanBalance.File, b);
        Assert.Equal(new ulong[] { 0, 0, 1000 >> 4, 9000 >> 4 }, nr);

        // Global reclaim ignores swappiness 0 here (falls through to FRACT with anon_prio 0 → anon 0).
        using Machine m2 = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        m2.VmSwappiness = 0;
        (b, _) = Run(m2, LruTestKit.DirectReclaimSc(priority: 4));
        Assert.Equal(ScanBalance.Fract, b);
    }

    [Fact]
    public void Decision3_PriorityZero_ScansEqually()
    {
        using Machine m = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc(priority: 0));
        Assert.Equal(ScanBalance.Equal, b);
        Assert.Equal(new ulong[] { 40000, 20000, 1000, 9000 }, nr);     // size >> 0
    }

    [Fact]
    public void Decision4_FileAndFreeBelowHighWatermarks_ScansAnonOnly()
    {
        using Machine m = WithSizes(40000, 20000, 100, 100, swap: 100000);
        PglistData* pgdat = m.NodeData(0);
        long* saved = stackalloc long[4];
        for (int z = 0; z < 4; z++)
        {
            saved[z] = PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages];
            PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages] = 0;
        }
        // file 200 + free 0 ≤ Σ high_wmark; inactive anon 40000·1 < 20000 is false (not low); 40000 >> 12 = 9 > 0.
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc());
        for (int z = 0; z < 4; z++)
            PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages] = saved[z];
        Assert.Equal(ScanBalance.Anon, b);
        Assert.Equal(new ulong[] { 40000 >> 12, 20000 >> 12, 0, 0 }, nr);
    }

    [Fact]
    public void Decision5_EnoughInactiveFile_ScansFileOnly()
    {
        // inactive file 9000·1 < active 1000 is false → not low, and 9000 >> 12 = 2 > 0.
        using Machine m = WithSizes(40000, 20000, 9000, 1000, swap: 100000);
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc());
        Assert.Equal(ScanBalance.File, b);
        Assert.Equal(new ulong[] { 0, 0, 9000 >> 12, 1000 >> 12 }, nr);
    }

    [Fact]
    public void Decision6_Fract_SplitsBySwappinessAndRotation()
    {
        // inactive file low (1000·1 < 9000) → FRACT. swappiness 60: anon_prio 60, file_prio 140.
        // anon = 60000, file = 10000; recent_scanned {1000, 2000} vs quarters {15000, 2500}: no decay.
        // ap = 60·(1000+1)/(100+1) = 60060/101 = 594; fp = 140·(2000+1)/(1000+1) = 280140/1001 = 279;
        // denominator = 594 + 279 + 1 = 874. Priority 4: sizes >> 4 = {2500, 1250, 62, 562}.
        // nr = {2500·594/874 = 1699, 1250·594/874 = 849, 62·279/874 = 19, 562·279/874 = 179}.
        using Machine m = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        lv->ReclaimStat.RecentScanned[0] = 1000;
        lv->ReclaimStat.RecentRotated[0] = 100;
        lv->ReclaimStat.RecentScanned[1] = 2000;
        lv->ReclaimStat.RecentRotated[1] = 1000;
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc(priority: 4));
        Assert.Equal(ScanBalance.Fract, b);
        Assert.Equal(new ulong[] { 1699, 849, 19, 179 }, nr);
        Assert.Equal(1000UL, lv->ReclaimStat.RecentScanned[0]);
    }

    [Fact]
    public void Decision6_Fract_DecaysFileStatsAboveAQuarter()
    {
        // recent_scanned[1] = 3000 > file/4 = 2500 → halve: scanned 1500, rotated 500.
        // fp = 140·1501/501 = 210140/501 = 419; ap = 594 as above; denominator = 1014.
        // nr = {2500·594/1014 = 1464, 1250·594/1014 = 732, 62·419/1014 = 25, 562·419/1014 = 232}.
        using Machine m = WithSizes(40000, 20000, 1000, 9000, swap: 100000);
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        lv->ReclaimStat.RecentScanned[0] = 1000;
        lv->ReclaimStat.RecentRotated[0] = 100;
        lv->ReclaimStat.RecentScanned[1] = 3000;
        lv->ReclaimStat.RecentRotated[1] = 1000;
        var (b, nr) = Run(m, LruTestKit.DirectReclaimSc(priority: 4));
        Assert.Equal(ScanBalance.Fract, b);
        Assert.Equal(new ulong[] { 1464, 732, 25, 232 }, nr);
        Assert.Equal(1500UL, lv->ReclaimStat.RecentScanned[1]);
        Assert.Equal(500UL, lv->ReclaimStat.RecentRotated[1]);
    }

    [Fact]
    public void ReclaimIdx_LimitsListSizesToEligibleZones()
    {
        // Everything is in DMA32; reclaim for a DMA allocation (reclaim_idx 0) sees empty lists.
        using Machine m = WithSizes(40000, 20000, 9000, 1000, swap: 100000);
        ScanControl sc = LruTestKit.DirectReclaimSc(Gfp.Kernel | Gfp.Dma, priority: 0);
        var (_, nr) = Run(m, sc);
        Assert.Equal(new ulong[] { 0, 0, 0, 0 }, nr);
    }
}
