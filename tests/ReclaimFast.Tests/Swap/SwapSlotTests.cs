using ReclaimFast.Mm.Swap;
using Xunit;
using static ReclaimFast.Mm.Swap.SwapInfoStruct;

namespace ReclaimFast.Tests.Swap;

public unsafe class SwapSlotTests
{
    [Fact]
    public void SlotsAreHandedOutLowestFirstAndHeaderIsBad()
    {
        using Machine m = Memory.MmTestMachine.Create();
        int type = m.SwapOn(8);
        SwapInfoStruct* si = m.SwapInfo(type);
        Assert.Equal(SwapMapBad, si->SwapMap[0]);
        Assert.Equal(7, m.NrSwapPages);
        SwpEntry a = m.GetSwapPage(), b = m.GetSwapPage();
        Assert.Equal(1UL, a.Offset);
        Assert.Equal(2UL, b.Offset);
        Assert.Equal(SwapHasCache, si->SwapMap[1]);
        m.PutSwapPage(a);
        Assert.Equal(0, si->SwapMap[1]);
        Assert.Equal(1UL, m.GetSwapPage().Offset);
        for (int i = 0; i < 5; i++)
            Assert.False(m.GetSwapPage().IsNull);
        Assert.True(m.GetSwapPage().IsNull);
        Assert.Equal(0, m.NrSwapPages);
    }

    [Fact]
    public void DuplicateAndFreeFollowSwapMapRules()
    {
        using Machine m = Memory.MmTestMachine.Create();
        int type = m.SwapOn(16);
        SwapInfoStruct* si = m.SwapInfo(type);
        SwpEntry e = m.GetSwapPage();
        Assert.Equal(-Machine.EEXIST, m.SwapcachePrepare(e)); // cache already held
        Assert.Equal(0, m.SwapDuplicate(e));
        Assert.Equal(0, m.SwapDuplicate(e));
        Assert.Equal(SwapHasCache | 2, si->SwapMap[e.Offset]);
        m.PutSwapPage(e); // cache dropped: the two references keep the slot
        Assert.Equal(2, si->SwapMap[e.Offset]);
        m.SwapFree(e);
        Assert.True(m.FreeSwapAndCache(e));
        Assert.Equal(0, si->SwapMap[e.Offset]);
        Assert.Equal(15, m.NrSwapPages);
        Assert.Equal(-Machine.ENOENT, m.__SwapDuplicate(e, 1)); // unused slot
        Assert.Equal(0, m.SwapDuplicate(e)); // swap_duplicate reports only -ENOMEM, as in the kernel
    }

    [Theory]
    [InlineData(62)]   // SWAP_MAP_MAX itself: no continuation
    [InlineData(63)]   // first carry into a continuation digit
    [InlineData(200)]
    [InlineData(9000)] // beyond 63 * 128: a second continuation level
    public void CountContinuationCarriesAndBorrows(int refs)
    {
        using Machine m = Memory.MmTestMachine.Create();
        int type = m.SwapOn(4);
        SwapInfoStruct* si = m.SwapInfo(type);
        SwpEntry e = m.GetSwapPage();
        for (int i = 0; i < refs; i++)
            Assert.Equal(0, m.SwapDuplicate(e));
        Assert.Equal(refs, m.SwpSwapcount(e));
        Assert.Equal(refs > SwapMapMax, (si->SwapMap[e.Offset] & CountContinued) != 0);
        for (int i = refs; i > 0; i--)
        {
            m.SwapFree(e);
            Assert.Equal(i - 1, m.SwpSwapcount(e));
        }
        Assert.Equal(SwapHasCache, si->SwapMap[e.Offset]);
        m.PutSwapPage(e);
        Assert.Equal(0, si->SwapMap[e.Offset]);
    }
}
