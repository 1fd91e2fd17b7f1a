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

    /// <summary>Pages the swap cache index holds, counted slot by slot (the test's own count).</summary>
    private static ulong SwapCacheWalk(Machine m, int type)
    {
        SwapInfoStruct* si = m.SwapInfo(type);
        ulong n = 0;
        for (ulong off = 1; off < si->Max; off++)
        {
            Mm.Types.Page* page = m.LookupSwapCache(Mm.Swap.SwpEntry.Make(type, off));
            if (page == null)
                continue;
            n++;
            m.PutPage(page);
        }
        return n;
    }

    [Fact]
    public void SwapCachePageCount_IsKeptAsTheIndexChanges()
    {
        const ulong Ram = 8192, Region = 12000;
        using Machine m = Create((long)Ram);
        m.SwapOn(20000);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, Region);
        for (ulong i = 0; i < Region; i++)
            Touch(m, t, a + i * PageSize, write: true);
        for (ulong i = 0; i < Region; i += 3)
            Touch(m, t, a + i * PageSize, write: false); // swap-ins add pages back to the swap cache
        ulong walked = SwapCacheWalk(m, 0);
        Assert.True(walked > 0, "the run left nothing in the swap cache");
        Assert.Equal(walked, m.TotalSwapcachePages());
        m.DoMunmap(t->Mm, a, Region * PageSize);       // unmapping frees swap slots and their cache pages
        Assert.Equal(SwapCacheWalk(m, 0), m.TotalSwapcachePages());
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

    // One mixed run (anon over RAM with swap, then a file streamed through): every vm event and node counter.
    private static long[] MixedRunCounters()
    {
        using Machine m = Create(8192);
        m.SwapOn(16384);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 9000);
        for (ulong i = 0; i < 9000; i++)
            Touch(m, t, a + i * PageSize, write: (i & 1) == 0);
        Mm.Filemap.File* f = m.CreateFile(6000);
        for (ulong i = 0; i < 6000; i++)
        {
            for (int tries = 0; !m.FileReadPage(f, i); tries++)
            {
                Assert.True(tries < 20);
                ReclaimSome(m);
            }
        }
        for (ulong i = 0; i < 9000; i += 3)
            Touch(m, t, a + i * PageSize, write: false);
        var r = new System.Collections.Generic.List<long>();
        for (int e = 0; e < VmEvent.NrVmEventItems; e++)
            r.Add(m.VmEvent((VmEventItem)e));
        for (int s = 0; s < Mm.PageAlloc.VmStat.NrVmNodeStatItems; s++)
            r.Add(m.NodePageState(0, (NodeStatItem)s));
        return r.ToArray();
    }

    [Fact]
    public void SameScenarioTwice_GivesIdenticalCounters()
    {
        long[] first = MixedRunCounters();
        long[] second = MixedRunCounters();
        Assert.Equal(first, second);
        Assert.True(first[(int)VmEventItem.Pswpout] > 0 && first[(int)VmEventItem.PgstealDirect] > 0);
    }
}
