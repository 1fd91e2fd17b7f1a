using System;
using System.Collections.Generic;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>
/// Seeded random sequences of allocations (orders 0..10, every migratetype, several zones and both nodes, compound
/// and split pages, GFP_ATOMIC) and frees (single pages, __free_pages, free_unref_page_list), with drains and CPU
/// switches. After every step the machine invariant checker runs and the allocator's view is compared page by page
/// with a plain model of what is allocated (differential check: a page is free or on a pcp list exactly when the model
/// does not hold it). At the end everything is freed and drained: every zone's free blocks must equal the boot state.
/// </summary>
public unsafe class PropertyTests
{
    private static readonly uint[] s_gfps =
    [
        Gfp.Kernel, Gfp.HighUserMovable, Gfp.Kernel | Gfp.Reclaimable, Gfp.Atomic, Gfp.Kernel | Gfp.Dma32,
        Gfp.Kernel | Gfp.Dma, Gfp.HighUserMovable | Gfp.Comp, Gfp.Kernel | Gfp.Comp, Gfp.Kernel | Gfp.Zero,
        Gfp.NoWait | Gfp.Reclaimable, Gfp.Kernel | Gfp.ThisNode,
    ];

    private readonly record struct Held(ulong Pfn, int Order, bool Compound);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(42)]
    public void RandomAllocFree_KeepsInvariants_AndMergesBackToBootState(int seed)
    {
        var d = new MachineDescription
        {
            NrCpus = 2,
            Nodes =
            [
                new NodeDescription
                {
                    Zones =
                    [
                        new ZoneDescription { Type = ZoneType.Dma, StartPfn = 0, SpannedPages = 4096 },
                        new ZoneDescription { Type = ZoneType.Dma32, StartPfn = 4096, SpannedPages = 4096 },
                        new ZoneDescription { Type = ZoneType.Normal, StartPfn = 8192, SpannedPages = 8192 },
                    ],
                },
                new NodeDescription { Zones = [new ZoneDescription { Type = ZoneType.Normal, StartPfn = 16384, SpannedPages = 8192 }] },
            ],
        };
        using Machine m = Machine.Boot(d);
        var bootBlocks = SnapshotFreeBlocks(m);
        var rng = new Random(seed);
        var held = new List<Held>();
        long allocs = 0, failures = 0, heldPages = 0;
        long managed = BootFreedPages(m);

        for (int step = 0; step < 3000; step++)
        {
            m.CurrentCpu = rng.Next(m.NrCpus);
            // Alloc-heavy while less than half of memory is held, free-heavy above: memory keeps running short
            // (fallbacks, failures) without staying full.
            int op = rng.Next(100);
            int allocShare = heldPages * 2 < managed ? 65 : 35;
            if (op < allocShare || held.Count == 0)
            {
                int order = PickOrder(rng);
                uint gfp = s_gfps[rng.Next(s_gfps.Length)];
                int nid = rng.Next(3) - 1;
                Page* page = m.AllocPages(gfp, order, nid);
                if (page == null)
                {
                    failures++;
                }
                else
                {
                    allocs++;
                    ulong pfn = m.PageToPfn(page);
                    Assert.Equal(1, page->RefCount);
                    if ((gfp & Gfp.Zero) != 0)
                        Assert.Equal(0UL, m.ContentToken[pfn]);
                    bool compound = order > 0 && (gfp & Gfp.Comp) != 0;
                    if (order > 0 && !compound && rng.Next(3) == 0)
                    {
                        Machine.SplitPage(page, order);
                        for (int i = 0; i < (1 << order); i++)
                            held.Add(new Held(pfn + (ulong)i, 0, false));
                    }
                    else
                    {
                        held.Add(new Held(pfn, order, compound));
                    }
                }
            }
            else if (op < 94)
            {
                FreeOne(m, held, rng.Next(held.Count));
            }
            else if (op < 98)
            {
                FreeAsList(m, held, rng);
            }
            else
            {
                m.DrainAllPcpPages();
            }
            heldPages = CheckAgainstModel(m, held);
        }

        Assert.True(allocs > 600, $"only {allocs} allocations succeeded");
        Assert.True(failures > 0, "memory never ran short: fallbacks were not exercised");
        Assert.True(CountForeignPageblocks(m) > 0, "no pageblock changed migratetype: no steal happened");

        while (held.Count > 0)
            FreeOne(m, held, held.Count - 1);
        m.DrainAllPcpPages();
        m.CheckInvariants();
        Assert.Equal(bootBlocks, SnapshotFreeBlocks(m));
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                Assert.Equal((long)m.ZoneManagedPages(nid, (ZoneType)z), m.ZonePageState(nid, (ZoneType)z, ZoneStatItem.NrFreePages));
        }
        Assert.Equal(m.VmEvent(VmEventItem.PgallocDma) + m.VmEvent(VmEventItem.PgallocDma32) + m.VmEvent(VmEventItem.PgallocNormal),
            m.VmEvent(VmEventItem.Pgfree) - BootFreedPages(m));
    }

    private static int PickOrder(Random rng)
    {
        int r = rng.Next(100);
        return r switch
        {
            < 50 => 0,
            < 60 => 1,
            < 70 => 2,
            < 78 => 3,
            < 85 => 4 + rng.Next(4),
            _ => 8 + rng.Next(3),
        };
    }

    private static void FreeOne(Machine m, List<Held> held, int index)
    {
        Held h = held[index];
        held[index] = held[^1];
        held.RemoveAt(held.Count - 1);
        Page* page = m.PfnToPage(h.Pfn);
        if (h.Compound && (h.Pfn & 1) == 0)
        {
            // put_page on a compound page → free_compound_page (its destructor).
            Assert.True(PageOps.PutPageTestzero(page));
            m.FreeCompoundPage(page);
        }
        else
        {
            m.FreePages(page, h.Order);
        }
    }

    /// <summary>Drops the last reference of several order-0 pages and frees them with free_unref_page_list.</summary>
    private static void FreeAsList(Machine m, List<Held> held, Random rng)
    {
        ListHead list;
        ListHead.Init(&list);
        int n = rng.Next(1, 8);
        for (int i = held.Count - 1; i >= 0 && n > 0; i--)
        {
            if (held[i].Order != 0)
                continue;
            Page* page = m.PfnToPage(held[i].Pfn);
            Assert.True(PageOps.PutPageTestzero(page));
            ListHead.AddTail(page->LruPtr, &list);
            held.RemoveAt(i);
            n--;
        }
        m.FreeUnrefPageList(&list);
    }

    /// <summary>Invariant checker, then: held pages are exactly the managed pages not free and not on a pcp list.</summary>
    private static long CheckAgainstModel(Machine m, List<Held> held)
    {
        long pages = 0;
        byte[] state = InvariantCheckerAccess.Classify(m);
        var isHeld = new bool[state.Length];
        foreach (Held h in held)
        {
            Page* head = m.PfnToPage(h.Pfn);
            if (head->RefCount != 1)
                Assert.Fail($"held pfn 0x{h.Pfn:x}: refcount {head->RefCount}");
            for (ulong i = 0; i < (1UL << h.Order); i++)
            {
                if (isHeld[h.Pfn + i])
                    Assert.Fail($"pfn 0x{h.Pfn + i:x} held twice");
                isHeld[h.Pfn + i] = true;
                pages++;
                if ((h.Compound && i > 0) != PageOps.PageTail(m.PfnToPage(h.Pfn + i)))
                    Assert.Fail($"pfn 0x{h.Pfn + i:x}: compound tail state wrong");
            }
        }
        for (ulong pfn = 0; pfn < m.MaxPfn; pfn++)
        {
            Page* page = m.PfnToPage(pfn);
            if (PageOps.PageReserved(page))
                continue;
            bool free = state[pfn] != 0;
            if (free == isHeld[pfn])
                Assert.Fail($"pfn 0x{pfn:x}: {(free ? "free but held" : "neither free nor held")}");
        }
        return pages;
    }

    private static List<(int Nid, int Zone, ulong Pfn, int Order)> SnapshotFreeBlocks(Machine m)
    {
        var all = new List<(int, int, ulong, int)>();
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                foreach (var (pfn, order) in FreeBlocks(m, nid, (ZoneType)z))
                    all.Add((nid, z, pfn, order));
            }
        }
        return all;
    }

    private static int CountForeignPageblocks(Machine m)
    {
        int n = 0;
        for (ulong pfn = 0; pfn < m.MaxPfn; pfn += MmZone.PageblockNrPages)
        {
            if (m.GetPageblockMigratetype(m.PfnToPage(pfn)) != (int)MigrateType.Movable)
                n++;
        }
        return n;
    }

    /// <summary>PGFREE counted the boot-time frees: every managed page once.</summary>
    private static long BootFreedPages(Machine m)
    {
        long n = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                n += (long)m.ZoneManagedPages(nid, (ZoneType)z);
        }
        return n;
    }
}

/// <summary>Test access to the checker's page classification.</summary>
internal static class InvariantCheckerAccess
{
    public static byte[] Classify(Machine m) => InvariantChecker.Classify(m);
}
