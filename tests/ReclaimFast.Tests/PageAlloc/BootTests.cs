using System;
using System.Runtime.InteropServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>Booting: the default machine, descriptor initialisation, zonelists, validation, the invariant checker.</summary>
public unsafe class BootTests
{
    /// <summary>
    /// The default machine's zones carry exactly the description's sizes; everything managed is free after boot
    /// (and was counted in PGFREE by __free_pages_core); lowmem = 3977 + 777984 + 1310720 + 2096640 = 4189321 pages
    /// = 16757284 kB, × 16 = 268116544, int_sqrt = 16374 (16374² = 268107876, 16375² = 268140625).
    /// pcp: DMA (3977 pages) gets batch 0 → high 0, batch 1; the big zones min(managed/1024, 256)/4 = 64 → 63, high 378.
    /// </summary>
    [Fact]
    public void DefaultMachine_SummaryMatchesTheDescription()
    {
        MachineDescription d = MachineDescription.Default;
        using Machine m = Machine.Boot(d);
        Assert.Equal(2, m.NrNodes);
        Assert.Equal(4, m.NrCpus);
        Assert.Equal(0x440000UL, m.MaxPfnValue);
        long totalManaged = 0;
        for (int nid = 0; nid < d.Nodes.Count; nid++)
        {
            foreach (ZoneDescription zd in d.Nodes[nid].Zones)
            {
                Assert.Equal(zd.StartPfn, m.ZoneStartPfn(nid, zd.Type));
                Assert.Equal(zd.SpannedPages, m.ZoneSpannedPages(nid, zd.Type));
                Assert.Equal(zd.PresentPages, m.ZonePresentPages(nid, zd.Type));
                Assert.Equal(zd.ManagedPages, m.ZoneManagedPages(nid, zd.Type));
                Assert.Equal((long)zd.ManagedPages, m.ZonePageState(nid, zd.Type, ZoneStatItem.NrFreePages));
                ulong blockPages = 0;
                for (int o = 0; o < MmZone.MaxOrder; o++)
                    blockPages += m.ZoneNrFree(nid, zd.Type, o) << o;
                Assert.Equal(zd.ManagedPages, blockPages);
                totalManaged += (long)zd.ManagedPages;
            }
        }
        Assert.Equal(3998UL, m.ZonePresentPages(0, ZoneType.Dma));
        Assert.Equal(3977UL, m.ZoneManagedPages(0, ZoneType.Dma));
        Assert.Equal(782336UL, m.ZonePresentPages(0, ZoneType.Dma32));
        Assert.Equal(777984UL, m.ZoneManagedPages(0, ZoneType.Dma32));
        Assert.Equal(0UL, m.ZoneSpannedPages(1, ZoneType.Dma32));
        Assert.Equal(totalManaged, m.VmEvent(VmEventItem.Pgfree));
        Assert.Equal(16374, m.MinFreeKbytes);
        Assert.False(m.PageGroupByMobilityDisabled);

        Zone* dma = ZoneOf(m, 0, ZoneType.Dma);
        Assert.Equal((0, 1), (dma->Pageset[0].Pcp.High, dma->Pageset[0].Pcp.Batch));
        Zone* n1 = ZoneOf(m, 1, ZoneType.Normal);
        Assert.Equal((378, 63), (n1->Pageset[3].Pcp.High, n1->Pageset[3].Pcp.Batch));
        m.CheckInvariants();
    }

    /// <summary>NativeHeap bytes per emulated page frame stay within the budget of 80 (64 descriptor + 8 token + small).</summary>
    [Fact]
    public void DefaultMachine_HostBytesPerPageWithinBudget()
    {
        using Machine m = Machine.CreateDefault();
        double perPage = (double)m.NativeBytes / m.MaxPfnValue;
        Assert.InRange(perPage, 72.0, 80.0);
    }

    /// <summary>
    /// build_zonelists: each node's populated zones highest first, nodes by find_next_best_node (local first). The
    /// NOFALLBACK list (__GFP_THISNODE) holds the node's own zones only.
    /// </summary>
    [Fact]
    public void Zonelists_LocalNodeFirstHighestZoneFirst()
    {
        using Machine m = Machine.CreateDefault();
        Assert.Equal(["0:Normal", "0:DMA32", "0:DMA", "1:Normal"], Zonelist(m, 0, MmZone.ZonelistFallback));
        Assert.Equal(["1:Normal", "0:Normal", "0:DMA32", "0:DMA"], Zonelist(m, 1, MmZone.ZonelistFallback));
        Assert.Equal(["0:Normal", "0:DMA32", "0:DMA"], Zonelist(m, 0, MmZone.ZonelistNofallback));
        Assert.Equal(["1:Normal"], Zonelist(m, 1, MmZone.ZonelistNofallback));
    }

    /// <summary>
    /// Four nodes on a ring (20 to neighbours, 30 across), one CPU each; node 0 = DMA + DMA32, others Normal.
    /// find_next_best_node scores (distance + [n &lt; node] + 1 for CPUs) × 4 × 64 + node_load[n]:
    /// node 0: 1 and 3 both 21×256 → 1 (first minimum), its distance differs from node 0's → node_load[1] = 3;
    ///         then 3 (5376) before 2 (31×256) → [0, 1, 3, 2].
    /// node 1: 0 → 22×256 = 5632 (lower id penalty), 2 → 21×256 = 5376, 3 → 31×256 → 2 first (node_load[2] = 3),
    ///         then 0, then 3 → [1, 2, 0, 3].
    /// </summary>
    [Fact]
    public void Zonelists_FollowNodeDistance()
    {
        int[][] dist = [[10, 20, 30, 20], [20, 10, 20, 30], [30, 20, 10, 20], [20, 30, 20, 10]];
        MachineDescription d = MachineDescription.Uniform(4, 8192, nrCpus: 4) with { NodeDistance = dist };
        using Machine m = Machine.Boot(d);
        var list = Zonelist(m, 0, MmZone.ZonelistFallback);
        Assert.Equal(["0:DMA32", "0:DMA", "1:Normal", "3:Normal", "2:Normal"], list);
        Assert.Equal(["1:Normal", "2:Normal", "0:DMA32", "0:DMA", "3:Normal"], Zonelist(m, 1, MmZone.ZonelistFallback));
    }

    /// <summary>
    /// memmap_init_zone: managed pages are free (refcount 0, _mapcount −1, not reserved, zone/node links); holes and
    /// reserved ranges and PFNs outside every zone are PG_reserved with refcount 1; lru is self-linked except on the
    /// buddy heads.
    /// </summary>
    [Fact]
    public void Descriptors_InitialisedAsMemmapInitZoneLeavesThem()
    {
        using Machine m = Machine.Boot(BuddyOrderingTests.SmallProcMachine());
        Page* pfn0 = m.PfnToPage(0);
        Assert.True(PageOps.PageReserved(pfn0));
        Assert.Equal(1, pfn0->RefCount);
        Page* reserved = m.PfnToPage(3);
        Assert.True(PageOps.PageReserved(reserved));
        Assert.Equal((0, (int)ZoneType.Dma), (PageOps.PageToNid(reserved), PageOps.PageZonenum(reserved)));
        Page* hole = m.PfnToPage(0xa0);
        Assert.True(PageOps.PageReserved(hole));
        Assert.Equal(1, hole->RefCount);
        Assert.Equal(-1, hole->MapCount);
        Page* tailOfFree = m.PfnToPage(4097); // inside the free order-10 block at 4096
        Assert.False(PageOps.PageReserved(tailOfFree));
        Assert.Equal(0, tailOfFree->RefCount);
        Assert.Equal(-1, tailOfFree->MapCount);
        Assert.Equal((ulong)tailOfFree + 8, (ulong)tailOfFree->Lru.Next);
        Assert.Equal((int)ZoneType.Dma32, PageOps.PageZonenum(tailOfFree));
        Page* head = m.PfnToPage(4096);
        Assert.True(PageOps.PageBuddy(head));
        Assert.Equal(10, Machine.PageOrder(head));
        // Padding descriptors past max_pfn exist (so every buddy lookup lands on one) and are reserved.
        Assert.True(m.MemMapPfns >= m.MaxPfn && m.MemMapPfns % MmZone.MaxOrderNrPages == 0);
    }

    /// <summary>The Vector512 and Vector256 descriptor-init tiers write exactly what the scalar tier writes.</summary>
    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(0x4000000000001000UL, 1)]
    public void MemmapInitializer_TiersMatchScalar(ulong flags, int refCount)
    {
        const int N = 777;
        Page* scalar = (Page*)NativeMemory.AlignedAlloc(N * 64, 64);
        Page* v256 = (Page*)NativeMemory.AlignedAlloc(N * 64, 64);
        Page* v512 = (Page*)NativeMemory.AlignedAlloc(N * 64, 64);
        try
        {
            MemmapInitializer.InitRange(scalar, N, flags, refCount, MemmapInitializer.Tier.Scalar);
            MemmapInitializer.InitRange(v256, N, flags, refCount, MemmapInitializer.Tier.Vector256);
            MemmapInitializer.InitRange(v512, N, flags, refCount, MemmapInitializer.Tier.Vector512);
            MemmapInitializer.Fence();
            for (int i = 0; i < N; i++)
            {
                // Same bytes except the self-referencing lru, which must point into each buffer's own descriptor.
                Assert.Equal((ulong)(v256 + i) + 8, (ulong)v256[i].Lru.Next);
                Assert.Equal((ulong)(v512 + i) + 8, (ulong)v512[i].Lru.Prev);
                v256[i].Lru = scalar[i].Lru;
                v512[i].Lru = scalar[i].Lru;
            }
            Assert.True(new ReadOnlySpan<byte>(scalar, N * 64).SequenceEqual(new ReadOnlySpan<byte>(v256, N * 64)));
            Assert.True(new ReadOnlySpan<byte>(scalar, N * 64).SequenceEqual(new ReadOnlySpan<byte>(v512, N * 64)));
            Assert.Equal(flags, scalar[N - 1].Flags);
            Assert.Equal(refCount, scalar[N - 1].RefCount);
            Assert.Equal(-1, scalar[N - 1].MapCount);
        }
        finally
        {
            NativeMemory.AlignedFree(scalar);
            NativeMemory.AlignedFree(v256);
            NativeMemory.AlignedFree(v512);
        }
    }

    public static TheoryData<string, string> InvalidDescriptions() => new()
    {
        { "overlap", "Nodes[1].Zones[0].StartPfn" },
        { "hole-outside", "Nodes[0].Zones[0].Holes[0]" },
        { "reserved-overlaps-hole", "Nodes[0].Zones[0].Reserved[0]" },
        { "zone-gap", "Nodes[0].Zones[1].StartPfn" },
        { "zone-order", "Nodes[0].Zones[1].Type" },
        { "no-cpus", "NrCpus" },
        { "cpu-node", "CpuToNode[1]" },
        { "scale-factor", "WatermarkScaleFactor" },
        { "ratios", "LowmemReserveRatio" },
        { "empty-zone", "Nodes[0].Zones[0].SpannedPages" },
        { "distance", "NodeDistance[0][0]" },
    };

    [Theory]
    [MemberData(nameof(InvalidDescriptions))]
    public void Validation_NamesTheField(string kind, string field)
    {
        MachineDescription good = FallbackTests.TwoNodeMachine();
        ZoneDescription z0 = good.Nodes[0].Zones[0], z1 = good.Nodes[0].Zones[1];
        MachineDescription bad = kind switch
        {
            "overlap" => good with
            {
                Nodes = [good.Nodes[0], new NodeDescription { Zones = [new ZoneDescription { Type = ZoneType.Normal, StartPfn = 16000, SpannedPages = 100 }] }],
            },
            "hole-outside" => WithZones(good, z0 with { Holes = [new PfnRange(8000, 500)] }, z1),
            "reserved-overlaps-hole" => WithZones(good, z0 with { Holes = [new PfnRange(100, 50)], Reserved = [new PfnRange(120, 50)] }, z1),
            "zone-gap" => WithZones(good, z0, z1 with { StartPfn = 9000 }),
            "zone-order" => WithZones(good, z0, z1 with { Type = ZoneType.Dma }),
            "no-cpus" => good with { NrCpus = 0 },
            "cpu-node" => good with { CpuToNode = [0, 5] },
            "scale-factor" => good with { WatermarkScaleFactor = 0 },
            "ratios" => good with { LowmemReserveRatio = [256, 256] },
            "empty-zone" => WithZones(good, z0 with { SpannedPages = 0 }, z1),
            "distance" => good with { NodeDistance = [[12, 20], [20, 10]] },
            _ => throw new ArgumentException(kind),
        };
        var ex = Assert.Throws<InvalidMachineDescriptionException>(() => Machine.Boot(bad));
        Assert.Equal(field, ex.Field);
        Assert.Contains(field, ex.Message);
    }

    private static MachineDescription WithZones(MachineDescription d, params ZoneDescription[] zones) =>
        d with { Nodes = [new NodeDescription { Zones = zones }, d.Nodes[1]] };

    /// <summary>The checker is not vacuous: corrupting nr_free, losing a page, or listing a page twice is reported.</summary>
    [Fact]
    public void InvariantChecker_DetectsCorruption()
    {
        using (Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096))))
        {
            Zone.Area(ZoneOf(m, 0, ZoneType.Normal), 10)->NrFree++;
            var ex = Assert.Throws<InvariantViolationException>(m.CheckInvariants);
            Assert.Contains("nr_free", ex.Rule);
        }
        using (Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096))))
        {
            Page* lost = TakeBlock(m, ZoneOf(m, 0, ZoneType.Normal), 0, MigrateType.Movable); // refcount 0, no owner
            var ex = Assert.Throws<InvariantViolationException>(m.CheckInvariants);
            Assert.Equal(m.PageToPfn(lost), ex.Pfn);
            Assert.Contains("lost", ex.Rule);
        }
        using (Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096))))
        {
            Zone* z = ZoneOf(m, 0, ZoneType.Normal);
            Page* p = TakeBlock(m, z, 0, MigrateType.Movable);
            m.__FreeOnePage(p, m.PageToPfn(p), z, 0, (int)MigrateType.Movable);
            m.ModZonePageState(z, ZoneStatItem.NrFreePages, 1);
            var ex = Assert.Throws<InvariantViolationException>(m.CheckInvariants);
            Assert.Contains("NR_FREE_PAGES", ex.Rule);
        }
    }

    private static string[] Zonelist(Machine m, int nid, int which)
    {
        var result = new System.Collections.Generic.List<string>();
        for (Zoneref* z = Mm.PageAlloc.Zonelist.First(PglistData.NodeZonelist(m.NodeData(nid), which)); z->Zone != null; z++)
            result.Add($"{z->Zone->Node}:{MmZone.ZoneName(z->ZoneIdx)}");
        return [.. result];
    }
}
