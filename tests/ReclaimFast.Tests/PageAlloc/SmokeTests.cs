using ReclaimFast.Mm.PageAlloc;
using Xunit;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>The smallest end-to-end check of the allocator API other areas build on.</summary>
public class SmokeTests
{
    [Fact]
    public void DefaultMachine_BootsAndAllocates()
    {
        using Machine m = Machine.CreateDefault();
        long pfn = m.AllocPagesPfn(Gfp.Kernel, 0);
        Assert.True(pfn > 0);
        m.FreePagesPfn(pfn, 0);
        long big = m.AllocPagesPfn(Gfp.HighUserMovable, 9);
        Assert.True(big > 0);
        m.FreePagesPfn(big, 9);
        Assert.Equal(0, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Normal, 0)
            - (long)m.ZoneManagedPages(0, ZoneType.Normal));
    }
}
