using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Slab;

/// <summary>shrink_slab over 1,000 shrinkers, and a dentry-like cache's reclaim, allocate nothing once warmed up.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class ShrinkSlabZeroAllocTests
{
    [Fact]
    public void ShrinkSlab_Over1000Shrinkers_AllocatesNothing()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        for (int i = 0; i < 1000; i++)
            DoShrinkSlabTests.Constructed(m, 10000, seeks: 2);
        ulong freed = 0;
        AllocationAssert.ZeroAllocations(
            () => freed += m.ShrinkSlab(Gfp.Kernel, 0, 0, 6),
            () =>
            {
                for (int i = 0; i < 10; i++)
                    freed += m.ShrinkSlab(Gfp.Kernel, 0, 0, 6);
            });
        // Per shrinker at priority 6 the deferred cycle 0 → 56 → 112 → 40 → ... scans 256 or 384 a call.
        Assert.True(freed >= 11UL * 1000 * 256);
        Assert.Equal((long)freed, m.VmEvent(VmEventItem.SlabsScanned));
    }

    [Fact]
    public void DentryLikeReclaim_AllocatesNothing()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 65536));
        int h = m.CreateDentryLikeCache(192);
        AllocationAssert.ZeroAllocations(
            () =>
            {
                m.DentryLikeCacheGrow(h, 5000);
                m.DropSlab();
            },
            () =>
            {
                m.DentryLikeCacheGrow(h, 5000);
                m.DropSlab();
                m.CacheReap(0);
            });
        Assert.Equal(0, m.DentryLikeCacheUnused(h));
    }
}
