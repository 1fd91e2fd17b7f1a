using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>Reclaiming a million pages allocates nothing on the GC heap once warmed up.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class ReclaimZeroAllocTests
{
    private const int Million = 1_000_000;

    private static void Fill(Machine m, nint mapping, int n)
    {
        for (int i = 0; i < n; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
    }

    private static ulong ReclaimAll(Machine m, ulong n)
    {
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 0);   // no swap: SCAN_FILE, nr[IF] = whole list
        sc.NrToReclaim = n;
        m.ShrinkNode(m.NodeData(0), &sc);
        return sc.NrReclaimed;
    }

    [Fact]
    public void ShrinkNode_OverAMillionCleanFilePages_AllocatesNothing()
    {
        using Machine m = LruTestKit.Small(pages: Million + 65536);
        nint warm = LruTestKit.FakeMapping(m, 4096);
        nint mapping = LruTestKit.FakeMapping(m);
        ulong reclaimed = 0;
        AllocationAssert.ZeroAllocations(
            () =>
            {
                Fill(m, warm, 2000);
                ReclaimAll(m, 2000);
                Fill(m, mapping, Million);
            },
            () => reclaimed = ReclaimAll(m, Million));
        Assert.Equal((ulong)Million, reclaimed);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrInactiveFile));
        Assert.Equal(2000 + Million, m.VmEvent(VmEventItem.PgstealDirect));
    }

    private static ulong SwapOutAll(Machine m, int n)
    {
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        for (int done = 0; done < n; done += 32)
            m.ShrinkActiveList(32, lv, &sc, LruList.ActiveAnon);
        ulong reclaimed = 0;
        for (int done = 0; done < n; done += 32)
            reclaimed += m.ShrinkInactiveList(32, lv, &sc, LruList.InactiveAnon);
        m.CompletePendingIo();
        m.LruAddDrain();
        for (int done = 0; done < n; done += 32)
            reclaimed += m.ShrinkInactiveList(32, lv, &sc, LruList.InactiveAnon);
        return reclaimed;
    }

    private static TaskStruct* Fault(Machine m, int n)
    {
        TaskStruct* t = m.CreateTask();
        ulong a = Memory.MmTestMachine.MmapAnon(m, t, (ulong)n);
        for (int i = 0; i < n; i++)
            m.Access(t, a + (ulong)i * 4096, write: true);
        return t;
    }

    [Fact]
    public void SwappingOutMappedAnonPages_AllocatesNothing()
    {
        const int N = 200_000;
        using Machine m = LruTestKit.Small(pages: N + 65536);
        m.SwapOn(N + 4096);
        ulong reclaimed = 0;
        TaskStruct* t = null;
        AllocationAssert.ZeroAllocations(
            () =>
            {
                TaskStruct* w = Fault(m, 2000);
                SwapOutAll(m, 2000);
                m.Exit(w);
                t = Fault(m, N);
            },
            () => reclaimed = SwapOutAll(m, N));
        Assert.Equal((ulong)N, reclaimed);
        Assert.Equal(N, t->Mm->RssStat[(int)MmCounter.SwapEnts]);
        Assert.Equal(2000 + N, m.VmEvent(VmEventItem.Pswpout));
        m.Exit(t);
    }
}
