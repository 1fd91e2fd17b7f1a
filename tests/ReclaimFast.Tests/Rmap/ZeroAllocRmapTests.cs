using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Infrastructure;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Rmap;

/// <summary>DESIGN.md: faults and unmapping allocate nothing on the GC heap once warm.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class ZeroAllocRmapTests
{
    private const ulong Region = 4096; // pages per mmap: 4096 faults per round

    [Fact]
    public void OneMillionAnonFaultsAllocateNothing()
    {
        using Machine m = Create(16384);
        TaskStruct* t = m.CreateTask();
        const int Rounds = 245; // 245 × 4096 = 1,003,520 faults
        long faults0 = 0;
        AllocationAssert.ZeroAllocations(
            () =>
            {
                FaultRound(m, t);
                faults0 = m.VmEvent(VmEventItem.Pgfault);
            },
            () =>
            {
                for (int r = 0; r < Rounds; r++)
                    FaultRound(m, t);
            });
        Assert.Equal(Rounds * (long)Region, m.VmEvent(VmEventItem.Pgfault) - faults0);
        m.Exit(t);
    }

    private static void FaultRound(Machine m, TaskStruct* t)
    {
        ulong a = m.DoMmap(t, 0, Region * PageSize, Rw, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < Region; i++)
        {
            if (m.Access(t, a + i * PageSize, write: true) != AccessResult.Ok)
                Assert.Fail("anon fault failed");
        }
        m.DoMunmap(t->Mm, a, Region * PageSize);
    }

    [Fact]
    public void OneHundredThousandTryToUnmapCallsAllocateNothing()
    {
        using Machine m = Create(16384);
        m.SwapOn(1024);
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(64);
        TaskStruct* t = m.CreateTask();
        ulong fa = m.DoMmap(t, 0, 64 * PageSize, Rw, MapFlags.Shared, f, 0);
        TaskStruct* c = m.Fork(t);
        const int Rounds = 50_000; // × 2 (a file page and an anon page) = 100,000 try_to_unmap calls
        int unmapped = 0;
        AllocationAssert.ZeroAllocations(
            () => unmapped += UnmapRound(m, t, c, fa, 0),
            () =>
            {
                for (int r = 1; r <= Rounds; r++)
                    unmapped += UnmapRound(m, t, c, fa, r);
            });
        Assert.Equal(2 * (Rounds + 1), unmapped);
        m.Exit(c);
        m.Exit(t);
        Assert.Equal(m.TotalSwapPages, m.NrSwapPages);
    }

    /// <summary>
    /// A file page mapped by two tasks: fault it in, page_referenced, try_to_unmap. Then an anon page:
    /// fault, add_to_swap, try_to_unmap, drop it from the swap cache, munmap (zap the swap PTE).
    /// </summary>
    private static int UnmapRound(Machine m, TaskStruct* t, TaskStruct* c, ulong fa, int r)
    {
        int ok = 0;
        ulong addr = fa + (ulong)(r & 63) * PageSize;
        m.Access(t, addr, write: false);
        m.Access(c, addr, write: false);
        Page* page = PageAt(m, t, addr);
        PageOps.GetPage(page);
        m.PageReferencedRmap(page, isLocked: false, out _);
        ok += m.TryToUnmap(page, TtuFlags.None) ? 1 : 0;
        m.PutPage(page);

        ulong a = m.DoMmap(t, 0, PageSize, Rw, MapFlags.Private | MapFlags.Anonymous);
        m.Access(t, a, write: true);
        Page* anon = PageAt(m, t, a);
        PageOps.GetPage(anon);
        m.AddToSwap(anon);
        ok += m.TryToUnmap(anon, TtuFlags.IgnoreAccess) ? 1 : 0;
        m.SwapWriteToken(anon);
        PageOps.ClearPageDirty(anon);
        m.DeleteFromSwapCache(anon);
        m.PutPage(anon);
        m.DoMunmap(t->Mm, a, PageSize);
        return ok;
    }
}
