using System;
using System.Collections.Generic;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>
/// Seeded random sequences of LRU operations (adds, accesses, rotations, deactivations, lazyfree, mlock/munlock,
/// truncation, drains on several CPUs, reclaim passes): after each step the LRU invariant checker must hold, and
/// at the end every page that was not freed is on exactly the list its flags name.
/// </summary>
public unsafe class LruRandomOpsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperations_KeepListsAndCountersConsistent(int seed)
    {
        using Machine m = LruTestKit.Small(pages: 16384, cpus: 2);
        nint mapping = LruTestKit.FakeMapping(m);
        nint anonVma = LruTestKit.FakeAnonVma(m);
        var rng = new Random(seed);
        var live = new List<ulong>();
        ulong index = 0;
        for (int step = 0; step < 3000; step++)
        {
            m.CurrentCpu = rng.Next(2);
            int op = rng.Next(12);
            Page* p = live.Count > 0 ? m.PfnToPage(live[rng.Next(live.Count)]) : null;
            switch (op)
            {
                case 0:
                case 1:
                    live.Add(m.PageToPfn(LruTestKit.AddFilePage(m, mapping, index++)));
                    break;
                case 2:
                    live.Add(m.PageToPfn(LruTestKit.AddAnonPage(m, anonVma, active: rng.Next(2) == 0)));
                    break;
                case 3:
                case 4:
                    if (p != null)
                        m.MarkPageAccessedLru(p);
                    break;
                case 5:
                    if (p != null)
                        m.RotateReclaimablePage(p);
                    break;
                case 6:
                    if (p != null && !PageAnon(p))
                        m.DeactivateFilePage(p);
                    else if (p != null)
                        m.MarkPageLazyfree(p);
                    break;
                case 7:
                    if (p != null && PageLRU(p))
                    {
                        if (PageMlocked(p))
                        {
                            ClearPageMlocked(p);
                            m.MunlockMovePageBack(p);
                        }
                        else
                        {
                            SetPageMlocked(p);
                            m.MlockMovePageToUnevictable(p);
                        }
                    }
                    break;
                case 8:
                    if (p != null && !PageMlocked(p) && p->RefCount == 1 && PageLRU(p))
                    {
                        // Truncate/unmap: the last reference goes; put_page takes it off the LRU.
                        if (!PageAnon(p))
                            m.__DeleteFromPageCache(p, 0);
                        else
                            p->Mapping = 0;
                        m.PutPage(p);
                        live.Remove(m.PageToPfn(p));
                    }
                    break;
                case 9:
                    m.LruAddDrainAll();
                    break;
                case 10:
                    {
                        ScanControl sc = LruTestKit.DirectReclaimSc(priority: rng.Next(13));
                        m.ShrinkNode(m.NodeData(0), &sc);
                        live.RemoveAll(pfn => m.PfnToPage(pfn)->RefCount == 0);
                        break;
                    }
                default:
                    m.LruAddDrain();
                    break;
            }
            string? bad = m.CheckLruInvariants();
            Assert.True(bad == null, $"seed {seed} step {step} op {op}: {bad}");
        }
        m.CurrentCpu = 0;
        m.LruAddDrainAll();
        long onLists = 0;
        for (int l = 0; l < Lru.NrLruLists; l++)
            onLists += ListHead.Count(LruTestKit.List(m, (LruList)l));
        Assert.Equal(live.Count, onLists);
        m.CheckInvariants();            // allocator + LRU
    }
}
