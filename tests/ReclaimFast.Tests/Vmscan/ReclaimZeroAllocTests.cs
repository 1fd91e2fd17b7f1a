using ReclaimFast.Diagnostics;
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
}
