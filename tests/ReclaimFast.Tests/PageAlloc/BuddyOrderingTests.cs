using System;
using System.Collections.Generic;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>
/// Head versus tail insertion and list orders of the buddy allocator and the pcp lists (kernel-reference §3.1, §3.3;
/// mm/page_alloc.c __free_one_page, expand, free_pcppages_bulk). Expected orders are derived by hand in comments.
/// </summary>
public unsafe class BuddyOrderingTests
{
    /// <summary>
    /// A 4096-page Normal zone boots as four order-10 blocks freed in ascending order, each at the head: the list
    /// reads 3072, 2048, 1024, 0. Take block Q = 3072 and free pieces of it by hand:
    /// Q+2 (order 1): its buddy Q is not free; the order-2 parent Q's buddy Q+4 is not free → head.
    /// Q+16 (order 0): parent Q+16 (o1), its buddy Q+18 not free → head.       order-0 list: [Q+16]
    /// Q+0 (order 0): buddy Q+1 not free; parent Q (o1)'s buddy Q+2 IS a free order-1 block → TAIL: [Q+16, Q]
    /// Q+20 (order 0): parent Q+20's buddy Q+22 not free → head:                 [Q+20, Q+16, Q]
    /// Q+1 (order 0): merges with Q (o0) into Q (o1), with Q+2 (o1) into Q (o2); Q+4 (o2) not free → stop;
    /// parent Q (o3)'s buddy Q+8 not free → head of order 2.
    /// </summary>
    [Fact]
    public void FreedBlockWhoseParentsBuddyIsFree_GoesToTheTail()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        Assert.Equal([3072UL, 2048, 1024, 0], FreeList(m, 0, ZoneType.Normal, 10, MigrateType.Movable));
        Page* q = TakeBlock(m, z, 10, MigrateType.Movable);
        ulong qp = m.PageToPfn(q);
        Assert.Equal(3072UL, qp);
        const int Mv = (int)MigrateType.Movable;

        m.__FreeOnePage(q + 2, qp + 2, z, 1, Mv);
        Assert.Equal([qp + 2], FreeList(m, 0, ZoneType.Normal, 1, MigrateType.Movable));
        m.__FreeOnePage(q + 16, qp + 16, z, 0, Mv);
        Assert.Equal([qp + 16], FreeList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        m.__FreeOnePage(q, qp, z, 0, Mv);
        Assert.Equal([qp + 16, qp], FreeList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        m.__FreeOnePage(q + 20, qp + 20, z, 0, Mv);
        Assert.Equal([qp + 20, qp + 16, qp], FreeList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));

        m.__FreeOnePage(q + 1, qp + 1, z, 0, Mv);
        Assert.Equal([qp + 20, qp + 16], FreeList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        Assert.Empty(FreeList(m, 0, ZoneType.Normal, 1, MigrateType.Movable));
        Assert.Equal([qp], FreeList(m, 0, ZoneType.Normal, 2, MigrateType.Movable));
        Assert.True(PageOps.PageBuddy(q) && Machine.PageOrder(q) == 2);
    }

    /// <summary>
    /// expand() puts each split-off upper half at the head of its order's list. Lists already holding blocks:
    /// take A = 3072 and B = 2048; free B+512 (order 9; buddy B not free → head) and B+256 (order 8; parent B's buddy
    /// B+512 is free → tail). Expanding A from order 10 to 0 then puts A+512, A+256, … A+1 in front of them.
    /// </summary>
    [Fact]
    public void Expand_PutsHalvesAtTheHead()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        Page* a = TakeBlock(m, z, 10, MigrateType.Movable);
        Page* b = TakeBlock(m, z, 10, MigrateType.Movable);
        ulong ap = m.PageToPfn(a), bp = m.PageToPfn(b);
        Assert.Equal((3072UL, 2048UL), (ap, bp));
        m.__FreeOnePage(b + 512, bp + 512, z, 9, (int)MigrateType.Movable);
        m.__FreeOnePage(b + 256, bp + 256, z, 8, (int)MigrateType.Movable);
        Assert.Equal([bp + 512], FreeList(m, 0, ZoneType.Normal, 9, MigrateType.Movable));
        Assert.Equal([bp + 256], FreeList(m, 0, ZoneType.Normal, 8, MigrateType.Movable));

        Machine.Expand(a, 0, 10, Zone.Area(z, 10), (int)MigrateType.Movable);
        Assert.Equal([ap + 512, bp + 512], FreeList(m, 0, ZoneType.Normal, 9, MigrateType.Movable));
        Assert.Equal([ap + 256, bp + 256], FreeList(m, 0, ZoneType.Normal, 8, MigrateType.Movable));
        for (int o = 0; o < 8; o++)
            Assert.Equal([ap + (1UL << o)], FreeList(m, 0, ZoneType.Normal, o, MigrateType.Movable));
        for (int o = 0; o < 10; o++)
            Assert.Equal(o, Machine.PageOrder(a + (1 << o)));
    }

    /// <summary>
    /// __rmqueue_smallest takes the head block of the smallest sufficient order, so on a fresh zone the first order-0
    /// allocation splits block 3072 and returns its first page; the halves 3072 + 2^k wait on each order's list.
    /// </summary>
    [Fact]
    public void RmqueueSmallest_SplitsTheHeadBlock()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        Page* p = TakeBlock(m, z, 0, MigrateType.Movable);
        Assert.Equal(3072UL, m.PageToPfn(p));
        Assert.Equal((ulong)MigrateType.Movable, p->Index); // set_pcppage_migratetype
        for (int o = 0; o < 10; o++)
            Assert.Equal([3072UL + (1UL << o)], FreeList(m, 0, ZoneType.Normal, o, MigrateType.Movable));
        Assert.Equal([2048UL, 1024, 0], FreeList(m, 0, ZoneType.Normal, 10, MigrateType.Movable));
    }

    /// <summary>
    /// Boot frees of DMA [1, 4096) with the 0x9f–0x100 hole: the first range [6, 0x9f) after 5 reserved pages is freed
    /// as 6 (o1), 8 (o3), 16 (o4), 32 (o5), 64 (o6), 128 (o4), 144 (o3), 152 (o2), 156 (o1), 158 (o0). 144's parent
    /// (128, o4) buddy 128 is a free order-4 block → tail; likewise 152 (buddy 144 o3), 156 (152 o2), 158 (156 o1).
    /// Pageblock 0 never got marked MOVABLE (pfn 0 is outside the zone), so these are UNMOVABLE lists.
    /// </summary>
    [Fact]
    public void BootFrees_FollowTheTailRuleToo()
    {
        using Machine m = Machine.Boot(SmallProcMachine());
        Assert.Equal([8UL, 144], FreeList(m, 0, ZoneType.Dma, 3, MigrateType.Unmovable));
        Assert.Equal([6UL, 156], FreeList(m, 0, ZoneType.Dma, 1, MigrateType.Unmovable));
        // 128 (o4): parent 128 (o5)'s buddy 160 is in the hole → head, in front of 16.
        Assert.Equal([128UL, 16], FreeList(m, 0, ZoneType.Dma, 4, MigrateType.Unmovable));
        Assert.Equal([152UL], FreeList(m, 0, ZoneType.Dma, 2, MigrateType.Unmovable));
        Assert.Equal([158UL], FreeList(m, 0, ZoneType.Dma, 0, MigrateType.Unmovable));
        Assert.Equal([3072UL, 2048, 1024], FreeList(m, 0, ZoneType.Dma, 10, MigrateType.Movable));
        Assert.Equal([512UL], FreeList(m, 0, ZoneType.Dma, 9, MigrateType.Movable));
    }

    /// <summary>The small machine of the /proc tests: DMA [1, 4096) with a hole and 5 reserved pages, DMA32 [4096, 8192).</summary>
    internal static MachineDescription SmallProcMachine() => new()
    {
        NrCpus = 1,
        Nodes =
        [
            new NodeDescription
            {
                Zones =
                [
                    new ZoneDescription
                    {
                        Type = ZoneType.Dma, StartPfn = 1, SpannedPages = 4095,
                        Holes = [new PfnRange(0x9f, 0x61)], Reserved = [new PfnRange(1, 5)],
                    },
                    new ZoneDescription { Type = ZoneType.Dma32, StartPfn = 4096, SpannedPages = 4096 },
                ],
            },
        ],
    };

    /// <summary>
    /// A pcp state built by freeing, in this order, u1 u2 u3 (UNMOVABLE pageblock), m1..m5 (MOVABLE), r1 (RECLAIMABLE):
    /// head inserts give U = [u3 u2 u1], M = [m5 .. m1], R = [r1]; count 9.
    /// free_pcppages_bulk(7): mt and batch_free start at 0 and persist across rounds; pages leave from the tail.
    ///   round 1: bf 1, mt 1 (M) → m1;  round 2: bf 1, mt 2 (R) → r1;  round 3: bf 1, mt 0 (U) → u1;
    ///   round 4: bf 1, mt 1 → m2;  round 5: bf 1, mt 2 empty → bf 2, mt 0 → u2, u3;  round 6: bf 1, mt 1 → m3.
    /// Order: m1 r1 u1 m2 u2 u3 m3; left M = [m5 m4].
    /// </summary>
    [Fact]
    public void FreePcppagesBulk_RoundRobinOrder()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        PerCpuPages* pcp = &z->Pageset[0].Pcp;
        pcp->High = 1000;
        pcp->Batch = 31;
        var blocks = TakeAll(m, z);
        m.SetPageblockMigratetype(m.PfnToPage(0), (int)MigrateType.Unmovable);
        m.SetPageblockMigratetype(m.PfnToPage(1024), (int)MigrateType.Reclaimable);
        ulong[] u = [10, 20, 30];
        ulong[] mv = [3073, 3074, 3075, 3076, 3077];
        ulong r1 = 1029;
        foreach (ulong pfn in u)
            FreeHeld(m, pfn);
        foreach (ulong pfn in mv)
            FreeHeld(m, pfn);
        FreeHeld(m, r1);
        Assert.Equal(9, pcp->Count);
        Assert.Equal([30UL, 20, 10], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Unmovable));
        Assert.Equal([3077UL, 3076, 3075, 3074, 3073], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        Assert.Equal([1029UL], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Reclaimable));

        m.PcpuDrainTrace = new List<ulong>();
        m.FreePcppagesBulk(z, 7, pcp);
        Assert.Equal([3073UL, 1029, 10, 3074, 20, 30, 3075], m.PcpuDrainTrace);
        Assert.Equal(2, pcp->Count);
        Assert.Equal([3077UL, 3076], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        GC.KeepAlive(blocks);
    }

    /// <summary>
    /// A list that runs dry leaves its batch_free to the next round. U = [u1], M = [m5..m1], free everything (6):
    ///   round 1: bf 1, mt 1 → m1;  round 2: bf 1, mt 2 empty → 2, mt 0 → u1 (bf 1 left, U empty);
    ///   round 3: bf 2, mt 1 → m2, m3;  round 4: bf 1, 2 empty → 2, 0 empty → 3, 1 → bf = count → m4, m5.
    /// </summary>
    [Fact]
    public void FreePcppagesBulk_LeftoverBatchFreeCarriesOver()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        PerCpuPages* pcp = &z->Pageset[0].Pcp;
        pcp->High = 1000;
        pcp->Batch = 31;
        var blocks = TakeAll(m, z);
        m.SetPageblockMigratetype(m.PfnToPage(0), (int)MigrateType.Unmovable);
        FreeHeld(m, 10);
        foreach (ulong pfn in new ulong[] { 3073, 3074, 3075, 3076, 3077 })
            FreeHeld(m, pfn);
        m.PcpuDrainTrace = new List<ulong>();
        m.FreePcppagesBulk(z, 100, pcp); // count is capped at pcp->count (6)
        Assert.Equal([3073UL, 10, 3074, 3075, 3076, 3077], m.PcpuDrainTrace);
        Assert.Equal(0, pcp->Count);
        GC.KeepAlive(blocks);
    }

    /// <summary>
    /// free_unref_page_commit: when count reaches high, one batch goes back. high 6, batch 2: the sixth free of
    /// m1..m6 (M = [m6..m1]) drains the two tail pages m1, m2.
    /// </summary>
    [Fact]
    public void FreeUnrefPage_DrainsABatchAtHigh()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        PerCpuPages* pcp = &z->Pageset[0].Pcp;
        pcp->High = 6;
        pcp->Batch = 2;
        var blocks = TakeAll(m, z);
        m.PcpuDrainTrace = new List<ulong>();
        for (ulong pfn = 3073; pfn <= 3078; pfn++)
            FreeHeld(m, pfn);
        Assert.Equal([3073UL, 3074], m.PcpuDrainTrace);
        Assert.Equal(4, pcp->Count);
        GC.KeepAlive(blocks);
    }

    /// <summary>
    /// rmqueue_bulk appends at the tail in allocation order and the allocation takes the head: on a fresh zone with
    /// batch 3 the first order-0 allocation refills [3072, 3073, 3074] and returns 3072; the pcp keeps [3073, 3074].
    /// </summary>
    [Fact]
    public void PcpRefill_TailAppendHeadTake()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        PerCpuPages* pcp = &z->Pageset[0].Pcp;
        pcp->High = 18;
        pcp->Batch = 3;
        Page* page = m.AllocPage(Gfp.HighUserMovable);
        Assert.Equal(3072UL, m.PageToPfn(page));
        Assert.Equal([3073UL, 3074], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        Assert.Equal(4096 - 3, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        m.FreePages(page, 0);
        Assert.Equal([3072UL, 3073, 3074], PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        m.CheckInvariants();
    }

    /// <summary>Takes all four order-10 blocks of a 4096-page zone (all pages then count as held, refcount 0).</summary>
    private static Page*[] TakeAll(Machine m, Zone* z)
    {
        var blocks = new Page*[4];
        for (int i = 0; i < 4; i++)
            blocks[i] = TakeBlock(m, z, 10, MigrateType.Movable);
        return blocks;
    }

    /// <summary>Gives a held page a reference and frees it through __free_pages (order 0 → pcp).</summary>
    private static void FreeHeld(Machine m, ulong pfn)
    {
        Page* p = m.PfnToPage(pfn);
        p->RefCount = 1;
        m.FreePages(p, 0);
    }
}
