using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Swap;

/// <summary>
/// Anonymous memory larger than RAM, reclaimed to swap and faulted back: every page keeps its content token
/// (Machine.Access checks it on every read), and the counters agree with the swap map.
/// </summary>
public unsafe class AnonSwapTests
{
    /// <summary>Direct reclaim as try_to_free_pages would run it, with the swap writes completing in between.</summary>
    internal static void ReclaimSome(Machine m)
    {
        ulong got = 0;
        for (int i = 0; i < 64 && got < 64; i++)
        {
            got += m.ReclaimNode(0, Gfp.HighUserMovable, 32);
            m.CompletePendingIo();
        }
        Assert.True(got > 0, "reclaim made no progress");
    }

    /// <summary>An access that reclaims and retries when the allocator is out of memory.</summary>
    internal static void Touch(Machine m, TaskStruct* t, ulong addr, bool write)
    {
        for (int tries = 0; ; tries++)
        {
            AccessResult r = m.Access(t, addr, write);
            if (r == AccessResult.Ok)
                return;
            Assert.Equal(AccessResult.OutOfMemory, r);
            Assert.True(tries < 20, "reclaim cannot satisfy the fault");
            ReclaimSome(m);
        }
    }

    private static long SwapMapCount(Machine m, int type)
    {
        SwapInfoStruct* si = m.SwapInfo(type);
        long sum = 0;
        for (ulong off = 1; off < si->Max; off++)
            sum += m.SwpSwapcount(Mm.Swap.SwpEntry.Make(type, off));
        return sum;
    }

    [Fact]
    public void AnonLargerThanRam_SwapsOutAndBack_WithTokensIntact()
    {
        const ulong Ram = 16384, Region = 24000;
        using Machine m = Create((long)Ram);
        m.SwapOn(40000);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, Region);
        for (ulong i = 0; i < Region; i++)
            Touch(m, t, a + i * PageSize, write: true);         // each write gives the page a new token
        long swapEnts = t->Mm->RssStat[(int)MmCounter.SwapEnts];
        Assert.True(swapEnts > (long)(Region - Ram), $"only {swapEnts} pages went to swap");
        Assert.Equal(SwapMapCount(m, 0), swapEnts);               // one PTE reference per swapped page
        Assert.True(m.VmEvent(VmEventItem.Pswpout) >= swapEnts);

        // Read everything back twice: the swap-ins check each token against the one written.
        for (int pass = 0; pass < 2; pass++)
        {
            for (ulong i = 0; i < Region; i++)
                Touch(m, t, a + i * PageSize, write: false);
        }
        m.CompletePendingIo();
        m.LruAddDrainAll();
        Assert.True(m.VmEvent(VmEventItem.Pswpin) > 0);
        Assert.Equal(m.VmEvent(VmEventItem.Pgmajfault), m.VmEvent(VmEventItem.Pswpin));   // every major fault read swap
        Assert.Equal(SwapMapCount(m, 0), t->Mm->RssStat[(int)MmCounter.SwapEnts]);
        Assert.Equal((long)Region, t->Mm->RssStat[(int)MmCounter.SwapEnts] + t->Mm->RssStat[(int)MmCounter.AnonPages]);
        m.CheckInvariants();

        m.Exit(t);
        m.CompletePendingIo();
        m.LruAddDrainAll();
        Assert.Equal(0L, SwapMapCount(m, 0));
        m.CheckInvariants();
    }
}
