using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Slab;

/// <summary>SLAB caches over buddy pages, per-cpu array caches, free_block, cache_reap and the dentry-like shrinker.</summary>
public unsafe class SlabCacheTests
{
    private sealed class Sleeper(ulong until) : EmulatedTask("sleeper")
    {
        protected internal override long Step(Machine machine) => machine.Jiffies >= until ? -1 : 25;
    }

    // Free pages in the buddy lists plus those parked on the per-cpu lists.
    private static long Free(Machine m)
    {
        long free = m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                for (int cpu = 0; cpu < m.NrCpus; cpu++)
                    free += m.ZonePcpCount(nid, (ZoneType)z, cpu);
            }
        }
        return free;
    }

    [Fact]
    public void Geometry_FollowsEnableCpucache()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384, nrCpus: 2));
        KmemCache* c = m.KmemCacheCreate(192, reclaimable: true);
        // One-byte freelist per object: 4096 / (192 + 1) = 21 objects per order-0 slab (as SLAB's cache_estimate).
        Assert.Equal(0, c->Gfporder);
        Assert.Equal(21u, c->Num);
        // enable_cpucache: size ≤ 256 → limit 120, batchcount (120 + 1) / 2 = 60.
        Assert.Equal(120u, c->Limit);
        Assert.Equal(60u, c->Batchcount);
        // free_limit = (1 + cpus on the node) * batchcount + num = 3 * 60 + 21.
        Assert.Equal(201u, c->Node[0]->FreeLimit);
        KmemCache* big = m.KmemCacheCreate(2048, reclaimable: false);
        Assert.Equal(24u, big->Limit);                    // 1024 < size ≤ PAGE_SIZE
        Assert.Equal(1u, big->Num);                       // 2048 + 32 bytes of management do not fit twice
    }

    [Fact]
    public void FirstAlloc_GrowsOneSlab_AndRefillsBatchrefillLimit()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        long free0 = Free(m);
        KmemCache* c = m.KmemCacheCreate(192, reclaimable: true);
        void* obj = m.KmemCacheAlloc(c, Gfp.Kernel);
        Assert.True(obj != null);
        Page* page = Machine.ObjToSlabPage(c, obj);
        Assert.True(PageSlab(page));
        Assert.Equal((ulong)c, page->SlabCache);
        // An untouched array refills BATCHREFILL_LIMIT = 16 objects; one is returned, 15 stay.
        Assert.Equal(16u, page->Active);
        Assert.Equal(15u, c->CpuCache[0]->Avail);
        Assert.Equal(21UL - 16, c->Node[0]->FreeObjects);
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrSlabUnreclaimable));
        Assert.Equal(free0 - 1, Free(m));
        m.CheckInvariants();
    }

    [Fact]
    public void UnreclaimableCache_CountsNrSlabUnreclaimable()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        KmemCache* c = m.KmemCacheCreate(64, reclaimable: false);
        for (int i = 0; i < 1000; i++)
            Assert.True(m.KmemCacheAlloc(c, Gfp.Kernel) != null);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        Assert.Equal((long)c->Node[0]->TotalSlabs, m.NodePageState(0, NodeStatItem.NrSlabUnreclaimable));
        Assert.True(c->Node[0]->TotalSlabs >= 1000 / c->Num);
    }

    [Fact]
    public void CacheReapTick_TrimsAFifthOfTheLimit_FromUntouchedArrays()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        KmemCache* c = m.KmemCacheCreate(192, reclaimable: true);
        var objs = new nint[200];
        for (int i = 0; i < objs.Length; i++)
            objs[i] = (nint)m.KmemCacheAlloc(c, Gfp.Kernel);
        for (int i = 0; i < objs.Length; i++)
            m.KmemCacheFree(c, (void*)objs[i]);
        ArrayCache* ac = c->CpuCache[0];
        uint avail = ac->Avail;
        Assert.True(avail >= 24);
        Assert.Equal(1u, ac->Touched);                     // allocations touched it
        m.CacheReap(0);                                    // touched: only cleared
        Assert.Equal(avail, ac->Avail);
        Assert.Equal(0u, ac->Touched);
        m.CacheReap(0);                                    // (limit + 4) / 5 = (120 + 4) / 5 = 24
        Assert.Equal(avail - 24, ac->Avail);
        while (ac->Avail >= 24)
            m.CacheReap(0);
        // Fewer than 24 left: half of them, rounded up, go ((avail + 1) / 2).
        uint small = ac->Avail;
        m.CacheReap(0);
        Assert.Equal(small - (small + 1) / 2, ac->Avail);
        m.CheckInvariants();
    }

    [Fact]
    public void EmptySlabs_GoBackToTheBuddyAllocator_ThroughFreeLimitAndReap()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        long free0 = Free(m);
        KmemCache* c = m.KmemCacheCreate(192, reclaimable: true);
        var objs = new nint[2100];
        for (int i = 0; i < objs.Length; i++)
            objs[i] = (nint)m.KmemCacheAlloc(c, Gfp.Kernel);
        ulong slabs = c->Node[0]->TotalSlabs;
        Assert.True(slabs >= 100);                          // 2100 objects / 21 per slab
        Assert.Equal((long)slabs, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        Assert.Equal(free0 - (long)slabs, Free(m));
        for (int i = 0; i < objs.Length; i++)
            m.KmemCacheFree(c, (void*)objs[i]);
        // free_block already returned every free slab beyond free_limit (141 objects): at most ~7 slabs remain.
        Assert.True(c->Node[0]->FreeObjects <= c->Node[0]->FreeLimit + c->Num);
        Assert.Equal((long)c->Node[0]->TotalSlabs, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        m.CheckInvariants();

        // Periodic cache_reap through the event loop drains the array and then the free slabs.
        m.ConfigureEventLoop(1, hz: 100);
        m.AddTask(new Sleeper(20_000));
        m.RunUntil(20_000);
        Assert.Equal(0u, c->CpuCache[0]->Avail);
        Assert.Equal(0UL, c->Node[0]->TotalSlabs);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        Assert.Equal(free0, Free(m));
        m.CheckInvariants();
    }

    [Fact]
    public void ShrinkNode_ReclaimsDentryLikeObjects_CountsSlabsScanned_AndReclaimedSlab()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 65536));
        int h = m.CreateDentryLikeCache(192);
        Assert.Equal(10000, m.DentryLikeCacheGrow(h, 10000));
        Assert.Equal(10000, m.DentryLikeCacheUnused(h));
        long slabPages0 = m.NodePageState(0, NodeStatItem.NrSlabReclaimable);
        ReclaimState rs = default;
        ScanControl sc = Vmscan.LruTestKit.DirectReclaimSc(priority: 0);
        sc.ReclaimState = &rs;
        m.ShrinkNode(m.NodeData(0), &sc);
        // freeable 10000, seeks 2, priority 0: delta 20000 = 2 * freeable; batch 1024 → 19 calls (19456 scanned),
        // the first ten free all 10000 objects; 544 deferred.
        Assert.Equal(19456, m.VmEvent(VmEventItem.SlabsScanned));
        Assert.Equal(0, m.DentryLikeCacheUnused(h));
        Assert.Equal(0, m.DentryLikeCacheObjects(h));
        long slabPages1 = m.NodePageState(0, NodeStatItem.NrSlabReclaimable);
        Assert.True(slabPages0 - slabPages1 > 400);
        // reclaimed_slab (pages freed by kmem_freepages) went into sc->nr_reclaimed; the LRUs were empty.
        Assert.Equal((ulong)(slabPages0 - slabPages1), sc.NrReclaimed);
        Assert.Equal(0UL, rs.ReclaimedSlab);
        m.CheckInvariants();
    }

    [Fact]
    public void DropCaches2_DropsUnusedObjects_AndCountsDropSlab()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        int h = m.CreateDentryLikeCache(192);
        m.DentryLikeCacheGrow(h, 1000);
        m.DropCaches(2);
        // Pass 1 (priority 0): delta 2000, one 1024 batch frees all 1000; pass 2 counts SHRINK_EMPTY → stop.
        Assert.Equal(0, m.DentryLikeCacheUnused(h));
        Assert.Equal(1024, m.VmEvent(VmEventItem.SlabsScanned));
        Assert.Equal(1, m.VmEvent(VmEventItem.DropSlab));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => m.DropCaches(1));
    }

    [Fact]
    public void DentryLikeScan_FreesOldestFirst()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        int h = m.CreateDentryLikeCache(192);
        DentryLikeCache* d = m.DentryLikeCacheOf(h);
        DentryLikeObject* first = m.DentryLikeAlloc(d);
        DentryLikeObject* second = m.DentryLikeAlloc(d);
        DentryLikeObject* third = m.DentryLikeAlloc(d);
        m.DentryLikePut(d, first);
        m.DentryLikePut(d, second);
        m.DentryLikePut(d, third);
        m.DentryLikeGet(d, second);                   // back in use: off the LRU
        ShrinkControl sc = new() { GfpMask = Gfp.Kernel };
        // 2 unused, seeks 2, priority 0: delta = 2·4/2 = 4 = 2·freeable; 4 ≥ freeable → one call of min(1024, 4).
        Assert.Equal(2UL, m.DoShrinkSlab(&sc, d->Shrinker, 0));
        Assert.Equal(0, d->NrUnused);
        Assert.Equal(1, d->NrInUse);
        Assert.Equal(1, m.DentryLikeCacheObjects(h));
        Assert.Equal(1, second->InUse);
    }

    [Fact]
    public void GrowingPastMemory_DirectReclaimShrinksTheSameCache_AndTheMachineStaysConsistent()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        int h = m.CreateDentryLikeCache(192);
        // 21 objects a page: 21 * 20000 objects would need more pages than the machine has, so the allocator's
        // direct reclaim runs shrink_slab, whose dentry-like shrinker frees (unused) objects of this very cache.
        long grown = m.DentryLikeCacheGrow(h, 21L * 20000);
        Assert.Equal(21L * 20000, grown);
        Assert.True(m.VmEvent(VmEventItem.SlabsScanned) > 0);
        Assert.True(m.DentryLikeCacheUnused(h) < grown);
        Assert.Equal(m.DentryLikeCacheUnused(h), m.DentryLikeCacheObjects(h));
        DentryLikeCache* d = m.DentryLikeCacheOf(h);
        Assert.Equal((long)d->Cache->Node[0]->TotalSlabs, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        m.CheckInvariants();
    }

    [Fact]
    public void FreeFromAnotherNode_GoesStraightToTheObjectsNode()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 16384, nrCpus: 2));
        KmemCache* c = m.KmemCacheCreate(192, reclaimable: true);
        m.CurrentCpu = 0;
        int node0 = m.NumaNodeId;
        void* obj = m.KmemCacheAlloc(c, Gfp.Kernel);
        Page* page = Machine.ObjToSlabPage(c, obj);
        Assert.Equal(node0, PageToNid(page));
        Assert.Equal(21UL - 16, c->Node[node0]->FreeObjects);      // refill of 16 from a fresh 21-object slab
        int other = -1;
        for (int cpu = 0; cpu < m.NrCpus; cpu++)
        {
            m.CurrentCpu = cpu;
            if (m.NumaNodeId != node0)
                other = cpu;
        }
        Assert.True(other >= 0);
        m.CurrentCpu = other;
        m.KmemCacheFree(c, obj);
        Assert.Equal(0u, c->CpuCache[other]->Avail);
        Assert.Equal(15u, page->Active);
        Assert.Equal(21UL - 15, c->Node[node0]->FreeObjects);
        m.CheckInvariants();
    }
}
