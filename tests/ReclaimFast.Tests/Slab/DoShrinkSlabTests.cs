using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using Xunit;

namespace ReclaimFast.Tests.Slab;

/// <summary>do_shrink_slab (v5.4.286) on constructed shrinkers: the scan formula, deferral, SHRINK_STOP/EMPTY.</summary>
public unsafe class DoShrinkSlabTests
{
    internal static Shrinker* Constructed(Machine m, ulong freeable, int seeks, long batch = 0, uint flags = 0,
        long stopAfter = -1, bool register = true)
    {
        var state = m.Heap.AllocOne<ConstructedShrinker>();
        state->Freeable = freeable;
        state->StopAfterCalls = stopAfter;
        Shrinker* s = m.AllocShrinker(ShrinkerKind.Constructed, state, seeks, batch, flags);
        if (register)
            m.RegisterShrinker(s);
        return s;
    }

    private static ConstructedShrinker* State(Shrinker* s) => (ConstructedShrinker*)s->Private;

    private static ulong Shrink(Machine m, Shrinker* s, int priority, int nid = 0)
    {
        ShrinkControl sc = new() { GfpMask = Gfp.Kernel, Nid = nid };
        return m.DoShrinkSlab(&sc, s, priority);
    }

    [Fact]
    public void Seeks2_Priority0_ScansWholeBatches_AndDefersTheRemainder()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2);
        // delta = (10000 >> 0) * 4 / 2 = 20000; total_scan = 0 + 20000 (not > 2*freeable = 20000).
        // Batches of SHRINK_BATCH 128 while total_scan >= 128: 156 batches = 19968, 32 left.
        // next_deferred = 20000 − 19968 = 32.
        Assert.Equal(19968UL, Shrink(m, s, 0));
        Assert.Equal(156, State(s)->ScanCalls);
        Assert.Equal(19968, m.VmEvent(VmEventItem.SlabsScanned));
        Assert.Equal(32, s->NrDeferred[0]);
    }

    [Fact]
    public void Seeks2_Priority6_CarriesDeferredWorkBetweenCalls()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2);
        // Call 1: delta = (10000 >> 6) * 4 / 2 = 156 * 4 / 2 = 312; delta < 10000/4 → total = min(312, 5000) = 312.
        // Two batches (256), 56 left; deferred = 312 − 256 = 56.
        Assert.Equal(256UL, Shrink(m, s, 6));
        Assert.Equal(56, s->NrDeferred[0]);
        // Call 2: nr = 56, total = 56 + 312 = 368 → two batches (256); deferred = 368 − 256 = 112.
        Assert.Equal(256UL, Shrink(m, s, 6));
        Assert.Equal(112, s->NrDeferred[0]);
        // Call 3: nr = 112, total = 424 → three batches (384); deferred = 424 − 384 = 40.
        Assert.Equal(384UL, Shrink(m, s, 6));
        Assert.Equal(40, s->NrDeferred[0]);
        Assert.Equal(256 + 256 + 384, m.VmEvent(VmEventItem.SlabsScanned));
    }

    [Fact]
    public void Seeks2_Priority12_OnlyDefers()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2);
        // delta = (10000 >> 12) * 4 / 2 = 2 * 4 / 2 = 4: 4 < 128 and 4 < 10000, no scan; deferred 4, then 8, 12.
        for (int call = 1; call <= 3; call++)
        {
            Assert.Equal(0UL, Shrink(m, s, 12));
            Assert.Equal(4L * call, s->NrDeferred[0]);
        }
        Assert.Equal(0, State(s)->ScanCalls);
        Assert.Equal(0, m.VmEvent(VmEventItem.SlabsScanned));
    }

    [Fact]
    public void Seeks0_ScansHalfTheCache_RegardlessOfPriority()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 1000, seeks: 0);
        // delta = freeable / 2 = 500; total 500 → three batches (384), 116 left; deferred = 500 − 384 = 116.
        Assert.Equal(384UL, Shrink(m, s, 12));
        Assert.Equal(116, s->NrDeferred[0]);
        // nr = 116, total = 616 → four batches (512); deferred = 616 − 512 = 104.
        Assert.Equal(512UL, Shrink(m, s, 3));
        Assert.Equal(104, s->NrDeferred[0]);
    }

    [Fact]
    public void CacheSmallerThanABatch_IsScannedWhenTheWorkReachesItsSize()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 50, seeks: 0);
        // delta = 25: 25 < 128 and 25 < 50 → nothing; deferred 25.
        Assert.Equal(0UL, Shrink(m, s, 12));
        Assert.Equal(25, s->NrDeferred[0]);
        // total = 25 + 25 = 50 ≥ freeable (the v5.4.286 condition): one call of min(128, 50) = 50; deferred 50 − 50 = 0.
        Assert.Equal(50UL, Shrink(m, s, 12));
        Assert.Equal(50UL, State(s)->Scanned);
        Assert.Equal(0, s->NrDeferred[0]);
    }

    [Fact]
    public void LittleNewPressure_CapsDeferredWorkAtHalfTheCache()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2);
        s->NrDeferred[0] = 100000;
        // delta = 4 < 2500 → total = min(100004, 10000/2) = 5000: 39 batches (4992); deferred = 100004 − 4992 = 95012.
        Assert.Equal(4992UL, Shrink(m, s, 12));
        Assert.Equal(95012, s->NrDeferred[0]);
    }

    [Fact]
    public void HugeDeferred_WithPressure_IsCappedAtTwiceTheCache()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 1000, seeks: 2);
        s->NrDeferred[0] = 1_000_000;
        // delta = 1000 * 4 / 2 = 2000 ≥ 250, total = 1002000 > 2000 → 2000: 15 batches (1920), 80 left.
        // deferred = 1002000 − 1920 = 1000080.
        Assert.Equal(1920UL, Shrink(m, s, 0));
        Assert.Equal(1000080, s->NrDeferred[0]);
    }

    [Fact]
    public void ShrinkStop_EndsTheLoop_AndDefersTheRest()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2, stopAfter: 2);
        // total 20000 (as above); two batches of 128 succeed, the third call returns SHRINK_STOP.
        Assert.Equal(256UL, Shrink(m, s, 0));
        Assert.Equal(3, State(s)->ScanCalls);
        Assert.Equal(256, m.VmEvent(VmEventItem.SlabsScanned));
        Assert.Equal(20000 - 256, s->NrDeferred[0]);
    }

    [Fact]
    public void ShrinkEmptyAndZero_ReturnAtOnce_WithoutTouchingDeferred()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* empty = Constructed(m, Shrinker.ShrinkEmpty, seeks: 2);
        Shrinker* zero = Constructed(m, 0, seeks: 2);
        empty->NrDeferred[0] = 7;
        Assert.Equal(Shrinker.ShrinkEmpty, Shrink(m, empty, 0));
        Assert.Equal(0UL, Shrink(m, zero, 0));
        Assert.Equal(7, empty->NrDeferred[0]);
        Assert.Equal(0, State(empty)->ScanCalls + State(zero)->ScanCalls);
        // shrink_slab counts SHRINK_EMPTY as 0 (the shadow-node shrinker is also empty: no shadows yet).
        Assert.Equal(0UL, m.ShrinkSlab(Gfp.Kernel, 0, 0, 0));
    }

    [Fact]
    public void CustomBatch_IsUsed()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = Constructed(m, 10000, seeks: 2, batch: 1024);
        // total 20000: 19 batches of 1024 = 19456; deferred 544.
        Assert.Equal(19456UL, Shrink(m, s, 0));
        Assert.Equal(19, State(s)->ScanCalls);
        Assert.Equal(544, s->NrDeferred[0]);
    }

    [Fact]
    public void NumaAware_DefersPerNode_OthersOnSlotZero()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 16384));
        Shrinker* numa = Constructed(m, 10000, seeks: 2, flags: Shrinker.NumaAware);
        Shrinker* flat = Constructed(m, 10000, seeks: 2);
        Shrink(m, numa, 12, nid: 1);
        Shrink(m, flat, 12, nid: 1);
        Assert.Equal(0, numa->NrDeferred[0]);
        Assert.Equal(4, numa->NrDeferred[1]);
        Assert.Equal(4, flat->NrDeferred[0]);
    }

    [Fact]
    public void ShrinkSlab_WalksInRegistrationOrder_AndSums()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Assert.Equal(1, m.RegisteredShrinkers);          // the workingset shadow-node shrinker
        Shrinker* a = Constructed(m, 10000, seeks: 2);
        Shrinker* b = Constructed(m, 1000, seeks: 0);
        Assert.Equal(3, m.RegisteredShrinkers);
        Assert.True(a->Id < b->Id);
        Assert.True(m.WorkingsetShadowShrinker->Id < a->Id);
        // a: 19968 (see Seeks2_Priority0); b at priority 0, seeks 0: delta 500 → 384.
        Assert.Equal(19968UL + 384UL, m.ShrinkSlab(Gfp.Kernel, 0, 0, 0));
        m.UnregisterShrinker(a);
        m.UnregisterShrinker(a);                          // second unregister is a no-op
        Assert.Equal(2, m.RegisteredShrinkers);
        Assert.Equal(1, State(a)->CountCalls);
    }

    [Fact]
    public void WorkingsetShadowShrinker_IsRegisteredWithSeeks0_NumaAndMemcgAware()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        Shrinker* s = m.WorkingsetShadowShrinker;
        Assert.Equal(0, s->Seeks);
        Assert.Equal(0, s->Batch);
        Assert.Equal(Shrinker.NumaAware | Shrinker.MemcgAware, s->Flags);
        Assert.Equal(ShrinkerKind.ShadowNodes, s->Kind);
    }
}
