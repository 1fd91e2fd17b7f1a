using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Workingset;

/// <summary>mm/workingset.c: shadow packing, bucket order, the refault-distance rule and its counters.</summary>
public unsafe class ShadowTests
{
    [Fact]
    public void EvictionShift_IsEighteenPlusNodesShift()
    {
        // (BITS_PER_LONG − BITS_PER_XA_VALUE) + WORKINGSET_SHIFT + NODES_SHIFT + MEM_CGROUP_ID_SHIFT = 1 + 1 + 6 + 16.
        Assert.Equal(24, Machine.EvictionShift);
        Assert.Equal(~0UL >> 24, Machine.EvictionMask);
    }

    [Theory]
    // timestamp_bits = 64 − 24 = 40; bucket_order = max(0, fls_long(totalram − 1) − 40).
    [InlineData(65536UL, 0)]                 // fls(65535) = 16
    [InlineData(1UL << 40, 0)]               // fls(2^40 − 1) = 40
    [InlineData((1UL << 40) + 1, 1)]         // fls(2^40) = 41
    [InlineData(1UL << 44, 4)]               // fls(2^44 − 1) = 44
    public void BucketOrder_FromTotalram(ulong totalram, int order) => Assert.Equal(order, Machine.ComputeBucketOrder(totalram));

    [Fact]
    public void PackUnpack_RoundTrips()
    {
        using Machine m = LruTestKit.Small();
        var gen = new System.Random(12345);
        for (int i = 0; i < 1000; i++)
        {
            ulong eviction = (ulong)gen.NextInt64() & Machine.EvictionMask;
            int memcg = gen.Next(1 << 16), nid = gen.Next(64);
            bool ws = (i & 1) != 0;
            ulong shadow = m.PackShadow(memcg, nid, eviction, ws);
            Assert.Equal(1UL, shadow & 1);                  // an xarray value entry
            m.UnpackShadow(shadow, out int memcg2, out int nid2, out ulong eviction2, out bool ws2);
            Assert.Equal((memcg, nid, eviction, ws), (memcg2, nid2, eviction2, ws2));
        }
        // Timestamps wrap within EVICTION_MASK.
        m.UnpackShadow(m.PackShadow(0, 0, Machine.EvictionMask + 5, false), out _, out _, out ulong wrapped, out _);
        Assert.Equal(4UL, wrapped);
    }

    [Fact]
    public void Refault_WithinActiveListSize_Activates_ElseNot()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        // An active file list of 10 pages.
        for (int i = 0; i < 10; i++)
        {
            Page* a = LruTestKit.AddFilePage(m, mapping, (ulong)i);
            SetPageActive(a);
        }
        m.LruAddDrain();
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        Page* victim = LruTestKit.AddFilePage(m, mapping, 100);
        m.LruAddDrain();
        SetPageWorkingset(victim);
        ulong shadow = m.WorkingsetEviction(victim);       // inactive_age 0 → 1, recorded as eviction 1

        // 10 more evictions/activations: distance = 11 − 1 = 10 ≤ active_file 10 → activate.
        lv->InactiveAge += 10;
        Page* fresh = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        Assert.True(m.WorkingsetRefault(fresh, shadow));
        Assert.True(PageActive(fresh) && PageWorkingset(fresh));
        Assert.Equal(12UL, lv->InactiveAge);               // the activation advances the clock
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.WorkingsetActivate));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.WorkingsetRestore));

        // Distance 12 − 1 = 11 > 10: a refault, but no activation.
        Page* fresh2 = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        Assert.False(m.WorkingsetRefault(fresh2, shadow));
        Assert.False(PageActive(fresh2));
        Assert.Equal(2, m.NodePageState(0, NodeStatItem.WorkingsetRefault));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.WorkingsetActivate));

        ClearPageActive(fresh);
        ClearPageWorkingset(fresh);
        m.FreePages(fresh, 0);
        m.FreePages(fresh2, 0);
    }

    [Theory]
    // max_nodes = pages >> 3: 8000 pages allow 1000 shadow nodes.
    [InlineData(0UL, 8000UL, Machine.ShrinkEmpty)]
    [InlineData(1000UL, 8000UL, 0UL)]
    [InlineData(1500UL, 8000UL, 500UL)]
    public void CountShadowNodes_Arithmetic(ulong nodes, ulong pages, ulong expected) =>
        Assert.Equal(expected, Machine.CountShadowNodesFor(nodes, pages));
}
