using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Infrastructure;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>The allocator's hot paths allocate nothing on the GC heap.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class ZeroAllocTests
{
    /// <summary>1,000,000 order-0 alloc/free pairs through the pcp lists after warm-up: 0 bytes.</summary>
    [Fact]
    public void Order0PcpPairs_AllocateNothing()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma32, 0, 65536)));
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                Page* p = m.AllocPage(Gfp.Kernel);
                m.FreePages(p, 0);
            }
        }
        AllocationAssert.ZeroAllocations(() => Run(1000), () => Run(1_000_000));
    }

    /// <summary>Buddy-list order-0 (a batch-1 zone), order-9 and a mixed batch with refill/drain: 0 bytes.</summary>
    [Fact]
    public void WatermarkSysctlWrites_AllocateNothing()
    {
        // vm.min_free_kbytes / watermark_scale_factor / min_unmapped_ratio writes recompute per-zone state; the
        // benchmarks that set them around reclaim must still show 0 B.
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440)));
        AllocationAssert.ZeroAllocations(
            () => m.SetMinFreeKbytes(1024),
            () =>
            {
                for (int i = 0; i < 100; i++)
                {
                    m.SetMinFreeKbytes(512 + i);
                    m.SetWatermarkScaleFactor(10 + i);
                    m.SetMinUnmappedRatio(i % 100);
                }
            });
    }

    [Fact]
    public void BuddyPaths_AllocateNothing()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440)));
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                Page* a = m.AllocPages(Gfp.Kernel | Gfp.Dma, 0, 0);
                Page* b = m.AllocPages(Gfp.HighUserMovable, 9, 0);
                Page* c = m.AllocPages(Gfp.Kernel | Gfp.Comp, 3, 0);
                m.FreePages(a, 0);
                m.FreePages(b, 9);
                m.FreePages(c, 3);
            }
            m.DrainAllPcpPages();
        }
        AllocationAssert.ZeroAllocations(() => Run(100), () => Run(100_000));
    }
}
