using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Tests.Slab;
using Xunit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>shrink_slab for a memcg (v5.4 shrink_slab_memcg): the group's shrinker map, SHRINK_EMPTY, deferred work.</summary>
public unsafe class ShrinkSlabMemcgTests
{
    [Fact]
    public void MemcgWalk_OnlySetBits_ClearsEmpty_DeferredWorkSharedWithGlobal()
    {
        using Machine m = MemcgTestKit.Machine();
        m.MemCgroupCreate("/m");
        nint memcg = (nint)m.MemCgroupByPath("/m");
        Shrinker* s1 = DoShrinkSlabTests.Constructed(m, 10000, seeks: 2, flags: Shrinker.MemcgAware);
        Shrinker* s2 = DoShrinkSlabTests.Constructed(m, Shrinker.ShrinkEmpty, seeks: 2, flags: Shrinker.MemcgAware);
        Shrinker* s3 = DoShrinkSlabTests.Constructed(m, 10000, seeks: 2);
        Shrinker* s4 = DoShrinkSlabTests.Constructed(m, 10000, seeks: 2, flags: Shrinker.MemcgAware);
        m.MemcgSetShrinkerBit(memcg, 0, s1->Id);
        m.MemcgSetShrinkerBit(memcg, 0, s2->Id);
        var c1 = (ConstructedShrinker*)s1->Private;
        var c3 = (ConstructedShrinker*)s3->Private;
        var c4 = (ConstructedShrinker*)s4->Private;

        // do_shrink_slab at priority 6 for 10000 objects, seeks 2: delta = (10000 >> 6)·4/2 = 312; 312 < 10000/4, so
        // total_scan = min(312, 5000) = 312: two batches of 128 (256), 56 deferred.
        ulong freed = m.ShrinkSlab(Gfp.Kernel, 0, memcg, 6);
        Assert.Equal(256UL, freed);
        Assert.Equal(256UL, c1->Scanned);
        Assert.Equal(56, s1->NrDeferred[0]);
        Assert.Equal(0, c3->CountCalls);          // not memcg aware: never in a memcg walk
        Assert.Equal(0, c4->CountCalls);          // memcg aware but no bit: never asked
        Assert.True(Machine.MemcgShrinkerBit(memcg, 0, s1->Id));
        Assert.False(Machine.MemcgShrinkerBit(memcg, 0, s2->Id));   // SHRINK_EMPTY twice: bit cleared
        Assert.Equal(2, ((ConstructedShrinker*)s2->Private)->CountCalls);

        // v5.4 keeps nr_deferred per shrinker, not per memcg: the global walk takes the 56 left by the memcg walk:
        // total_scan = 56 + 312 = 368 → 256 scanned, 112 deferred.
        m.ShrinkSlab(Gfp.Kernel, 0, 0, 6);
        Assert.Equal(512UL, c1->Scanned);
        Assert.Equal(112, s1->NrDeferred[0]);
        Assert.Equal(256UL, c3->Scanned);
        Assert.Equal(256L * 4, m.VmEvent(VmEventItem.SlabsScanned));     // s1 twice, s3, s4 once each

        // An offline group's slab is not shrunk through its map (memcg_offline_kmem reparents it).
        Mm.Memcontrol.PageCounter.Charge(&m.MemCgroupByPath("/m")->Memory, 1);     // a charge keeps it from being freed
        m.MemCgroupRemove("/m");
        Assert.Equal(0UL, m.ShrinkSlab(Gfp.Kernel, 0, memcg, 6));
    }

    [Fact]
    public void DentryLikeObjects_AreOnTheirMemcgsList_ShrunkByThatMemcg_ReparentedOnRmdir()
    {
        using Machine m = MemcgTestKit.Machine();
        int h = m.CreateDentryLikeCache(192);
        DentryLikeCache* d = m.DentryLikeCacheOf(h);
        m.MemCgroupCreate("/p");
        m.MemCgroupCreate("/p/m");
        nint pm = (nint)m.MemCgroupByPath("/p");
        nint mm = (nint)m.MemCgroupByPath("/p/m");
        Mm.Memory.TaskStruct* t = m.CreateTask();
        m.MemCgroupAttachTaskStruct("/p/m", t);
        m.CurrentTaskStruct = t;
        Assert.Equal(3000, m.DentryLikeCacheGrow(h, 3000));     // a task in /p/m: its memcg's list, bit set
        m.CurrentTaskStruct = null;
        Assert.Equal(1000, m.DentryLikeCacheGrow(h, 1000));     // no task: the root's list
        Assert.True(Machine.MemcgShrinkerBit(mm, 0, d->Shrinker->Id));
        Assert.Equal(1000, d->NrUnusedRoot);
        Assert.Equal(3000, m.DentryLikeMemcgListOf(d, mm)->NrItems);

        // /p/m's memcg walk at priority 0 (seeks 2, batch 1024): delta = 3000·4/2 = 6000 → capped at 2·freeable;
        // 6000 ≥ freeable: batches of 1024 until the 3000 are gone (the last scan frees what is left).
        ulong freed = m.ShrinkSlab(Gfp.Kernel, 0, mm, 0);
        Assert.Equal(3000UL, freed);
        Assert.Equal(0, m.DentryLikeMemcgListOf(d, mm)->NrItems);
        Assert.Equal(1000, d->NrUnusedRoot);                    // the root's objects were not touched

        // rmdir of /p/m: remaining objects go to /p's list (memcg_drain_all_list_lrus) and /p's bit is set.
        m.CurrentTaskStruct = t;
        m.DentryLikeCacheGrow(h, 500);
        m.CurrentTaskStruct = null;
        Mm.Memcontrol.PageCounter.Charge(&m.MemCgroupByPath("/p/m")->Memory, 1);   // keeps the offline group alive
        m.MemCgroupAttachTaskStruct("/", t);
        m.MemCgroupRemove("/p/m");
        Assert.Equal(500, m.DentryLikeMemcgListOf(d, pm)->NrItems);
        Assert.Equal(0, m.DentryLikeMemcgListOf(d, mm)->NrItems);
        Assert.True(Machine.MemcgShrinkerBit(pm, 0, d->Shrinker->Id));
        Assert.Equal(4500 - 3000, m.DentryLikeCacheUnused(h));
    }
}
