using System;
using System.Collections.Generic;
using System.Globalization;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast;

/// <summary>A run of page frames: [<see cref="StartPfn"/>, <see cref="StartPfn"/> + <see cref="Count"/>).</summary>
/// <param name="StartPfn">First PFN of the range.</param>
/// <param name="Count">Number of page frames.</param>
public readonly record struct PfnRange(ulong StartPfn, ulong Count)
{
    /// <summary>One past the last PFN.</summary>
    public ulong EndPfn => StartPfn + Count;
}

/// <summary>
/// One zone of a node, the way the architecture's <c>max_zone_pfn</c> and the e820/memblock map describe it:
/// its span, the holes in it (absent pages: spanned − present) and the ranges the firmware/kernel image keep
/// (reserved: present − managed).
/// </summary>
public sealed record ZoneDescription
{
    /// <summary>The zone type.</summary>
    public required ZoneType Type { get; init; }

    /// <summary><c>zone_start_pfn</c>.</summary>
    public required ulong StartPfn { get; init; }

    /// <summary><c>spanned_pages</c>.</summary>
    public required ulong SpannedPages { get; init; }

    /// <summary>Absent ranges inside the span (their descriptors exist and are PG_reserved).</summary>
    public IReadOnlyList<PfnRange> Holes { get; init; } = [];

    /// <summary>Present but reserved ranges (memblock.reserved: kernel image, firmware); never given to the buddy allocator.</summary>
    public IReadOnlyList<PfnRange> Reserved { get; init; } = [];

    /// <summary>One past the last PFN of the span.</summary>
    public ulong EndPfn => StartPfn + SpannedPages;

    /// <summary><c>present_pages</c> = spanned − holes.</summary>
    public ulong PresentPages
    {
        get
        {
            ulong absent = 0;
            foreach (PfnRange h in Holes)
                absent += h.Count;
            return SpannedPages - absent;
        }
    }

    /// <summary>Pages the buddy allocator will manage: present − reserved.</summary>
    public ulong ManagedPages
    {
        get
        {
            ulong reserved = 0;
            foreach (PfnRange r in Reserved)
                reserved += r.Count;
            return PresentPages - reserved;
        }
    }
}

/// <summary>One NUMA node: its zones in ascending type and address order, contiguous (gaps are holes).</summary>
public sealed record NodeDescription
{
    /// <summary>The node's zones.</summary>
    public required IReadOnlyList<ZoneDescription> Zones { get; init; }
}

/// <summary>
/// Describes a machine to boot: its NUMA nodes and zones, CPUs and the boot-time sysctls. Plain data; <see cref="Validate"/>
/// rejects impossible layouts with a message naming the field and the value.
/// </summary>
public sealed record MachineDescription
{
    /// <summary>The NUMA nodes (node id = index).</summary>
    public required IReadOnlyList<NodeDescription> Nodes { get; init; }

    /// <summary>Number of emulated CPUs.</summary>
    public int NrCpus { get; init; } = 1;

    /// <summary><c>cpu_to_node</c> for each CPU; null = CPUs spread evenly over nodes in order.</summary>
    public IReadOnlyList<int>? CpuToNode { get; init; }

    /// <summary>Node distance table (<c>node_distance</c>); null = 10 local, 20 remote.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? NodeDistance { get; init; }

    /// <summary>vm.min_free_kbytes written after boot (a user value); null = the kernel's computed default.</summary>
    public int? MinFreeKbytes { get; init; }

    /// <summary>vm.watermark_scale_factor (1..1000; default 10).</summary>
    public int WatermarkScaleFactor { get; init; } = 10;

    /// <summary>vm.watermark_boost_factor (default 15000).</summary>
    public int WatermarkBoostFactor { get; init; } = 15000;

    /// <summary>vm.lowmem_reserve_ratio, one per zone type (default 256, 256, 32, 0).</summary>
    public IReadOnlyList<int> LowmemReserveRatio { get; init; } = [256, 256, 32, 0];

    /// <summary>
    /// CONFIG_DEBUG_VM: where order-0 pages get <c>page_expected_state</c> checked. On (debug kernels), when freed to
    /// and allocated from a pcp list; off (distribution kernels), when the pcp list is refilled from and drained to
    /// the buddy lists. Default: the AppContext switch <c>ReclaimFast.ConfigDebugVm</c> (the test suite turns it on),
    /// else off.
    /// </summary>
    public bool ConfigDebugVm { get; init; } = AppContext.TryGetSwitch(ConfigDebugVmSwitch, out bool on) && on;

    /// <summary>The AppContext switch that turns <see cref="ConfigDebugVm"/> on by default.</summary>
    public const string ConfigDebugVmSwitch = "ReclaimFast.ConfigDebugVm";

    /// <summary>Highest PFN + 1 over all zones.</summary>
    public ulong MaxPfn
    {
        get
        {
            ulong max = 0;
            foreach (NodeDescription n in Nodes)
            {
                foreach (ZoneDescription z in n.Zones)
                    max = Math.Max(max, z.EndPfn);
            }
            return max;
        }
    }

    /// <summary>Upper bound on PFNs ReclaimFast accepts (2^36 pages = 256 TiB).</summary>
    public const ulong MaxSupportedPfn = 1UL << 36;

    /// <summary>Upper bound on emulated CPUs.</summary>
    public const int MaxCpus = 4096;

    /// <summary>
    /// The embedded default: 16 GiB of RAM over two nodes, 4 CPUs (two per node), realistic x86-64 zones.
    /// Node 0: DMA from pfn 1 to 16 MiB with the 640 KiB–1 MiB legacy hole, DMA32 to 4 GiB with the 1 GiB PCI hole
    /// above 3 GiB, Normal from 4 GiB to 9 GiB; node 1: Normal from 9 GiB to 17 GiB (RAM above the PCI hole is
    /// remapped past 4 GiB). Reserved: BIOS/trampoline pages in DMA, a 16 MiB kernel image at 16 MiB and 1 MiB of
    /// ACPI tables below the PCI hole, and 2 MiB of firmware at the top of node 1. (The mem_map itself is host
    /// memory here, so unlike on a real machine it takes no emulated RAM.)
    /// </summary>
    public static MachineDescription Default => new()
    {
        NrCpus = 4,
        Nodes =
        [
            new NodeDescription
            {
                Zones =
                [
                    new ZoneDescription
                    {
                        Type = ZoneType.Dma, StartPfn = 0x1, SpannedPages = 0xfff,
                        Holes = [new PfnRange(0x9f, 0x61)],
                        Reserved = [new PfnRange(0x1, 0x5), new PfnRange(0x98, 0x7), new PfnRange(0x100, 0x9)],
                    },
                    new ZoneDescription
                    {
                        Type = ZoneType.Dma32, StartPfn = 0x1000, SpannedPages = 0x100000 - 0x1000,
                        Holes = [new PfnRange(0xc0000, 0x40000)],
                        Reserved = [new PfnRange(0x1000, 0x1000), new PfnRange(0xbff00, 0x100)],
                    },
                    new ZoneDescription { Type = ZoneType.Normal, StartPfn = 0x100000, SpannedPages = 0x140000 },
                ],
            },
            new NodeDescription
            {
                Zones =
                [
                    new ZoneDescription
                    {
                        Type = ZoneType.Normal, StartPfn = 0x240000, SpannedPages = 0x200000,
                        Reserved = [new PfnRange(0x43fe00, 0x200)],
                    },
                ],
            },
        ],
    };

    /// <summary>
    /// A machine of <paramref name="nodes"/> nodes with <paramref name="pagesPerNode"/> pages each and no holes:
    /// node 0 gets DMA (pfn 0..4096), DMA32 (to 4 GiB or its end) and Normal; other nodes Normal only.
    /// </summary>
    public static MachineDescription Uniform(int nodes, ulong pagesPerNode, int nrCpus = 1)
    {
        if (nodes < 1)
            throw new ArgumentOutOfRangeException(nameof(nodes), nodes, "at least one node");
        var list = new List<NodeDescription>(nodes);
        ulong pfn = 0;
        for (int n = 0; n < nodes; n++)
        {
            ulong end = pfn + pagesPerNode;
            var zones = new List<ZoneDescription>();
            if (n == 0)
            {
                const ulong dmaEnd = 0x1000, dma32End = 0x100000;
                ulong z0 = Math.Min(end, dmaEnd);
                zones.Add(new ZoneDescription { Type = ZoneType.Dma, StartPfn = 0, SpannedPages = z0 });
                if (end > dmaEnd)
                {
                    ulong z1 = Math.Min(end, dma32End);
                    zones.Add(new ZoneDescription { Type = ZoneType.Dma32, StartPfn = dmaEnd, SpannedPages = z1 - dmaEnd });
                    if (end > dma32End)
                        zones.Add(new ZoneDescription { Type = ZoneType.Normal, StartPfn = dma32End, SpannedPages = end - dma32End });
                }
            }
            else
            {
                zones.Add(new ZoneDescription { Type = ZoneType.Normal, StartPfn = pfn, SpannedPages = pagesPerNode });
            }
            list.Add(new NodeDescription { Zones = zones });
            pfn = end;
        }
        return new MachineDescription { Nodes = list, NrCpus = nrCpus };
    }

    /// <summary>The node of each CPU, explicit or the default even spread.</summary>
    public int CpuNode(int cpu) => CpuToNode is { } map ? map[cpu] : (int)((long)cpu * Nodes.Count / NrCpus);

    /// <summary>The distance between two nodes, explicit or 10 local / 20 remote.</summary>
    public int Distance(int from, int to) =>
        NodeDistance is { } d ? d[from][to] : from == to ? Mm.PageAlloc.MmZone.LocalDistance : Mm.PageAlloc.MmZone.RemoteDistance;

    /// <summary>Throws <see cref="InvalidMachineDescriptionException"/> naming the first field that is impossible.</summary>
    public void Validate()
    {
        if (Nodes is null || Nodes.Count == 0)
            Fail("Nodes", "(empty)", "a machine needs at least one node");
        if (Nodes!.Count > MmZone.MaxNumNodes)
            Fail("Nodes", Nodes.Count, $"at most {MmZone.MaxNumNodes} nodes (NODES_SHIFT {Mm.Types.PageOps.NodesShift})");
        if (NrCpus < 1 || NrCpus > MaxCpus)
            Fail(nameof(NrCpus), NrCpus, $"must be 1..{MaxCpus}");
        if (CpuToNode is { } map)
        {
            if (map.Count != NrCpus)
                Fail(nameof(CpuToNode), $"{map.Count} entries", $"needs one entry per CPU ({NrCpus})");
            for (int c = 0; c < map.Count; c++)
            {
                if ((uint)map[c] >= (uint)Nodes.Count)
                    Fail($"CpuToNode[{c}]", map[c], $"no such node (nodes 0..{Nodes.Count - 1})");
            }
        }
        if (NodeDistance is { } dist)
        {
            if (dist.Count != Nodes.Count)
                Fail(nameof(NodeDistance), $"{dist.Count} rows", $"needs {Nodes.Count} rows");
            for (int i = 0; i < dist.Count; i++)
            {
                if (dist[i] is null || dist[i].Count != Nodes.Count)
                    Fail($"NodeDistance[{i}]", $"{dist[i]?.Count ?? 0} columns", $"needs {Nodes.Count} columns");
                for (int j = 0; j < Nodes.Count; j++)
                {
                    int v = dist[i][j];
                    if (i == j && v != MmZone.LocalDistance)
                        Fail($"NodeDistance[{i}][{j}]", v, "the local distance must be 10 (LOCAL_DISTANCE)");
                    if (i != j && (v <= MmZone.LocalDistance || v > 254))
                        Fail($"NodeDistance[{i}][{j}]", v, "a remote distance must be 11..254");
                }
            }
        }
        if (MinFreeKbytes is int mfk && mfk < 0)
            Fail(nameof(MinFreeKbytes), mfk, "must not be negative");
        if (WatermarkScaleFactor < 1 || WatermarkScaleFactor > 1000)
            Fail(nameof(WatermarkScaleFactor), WatermarkScaleFactor, "must be 1..1000 (the sysctl's range)");
        if (WatermarkBoostFactor < 0)
            Fail(nameof(WatermarkBoostFactor), WatermarkBoostFactor, "must not be negative");
        if (LowmemReserveRatio is null || LowmemReserveRatio.Count != MmZone.MaxNrZones)
            Fail(nameof(LowmemReserveRatio), $"{LowmemReserveRatio?.Count ?? 0} entries", $"needs {MmZone.MaxNrZones} entries");
        for (int i = 0; i < LowmemReserveRatio!.Count; i++)
        {
            if (LowmemReserveRatio[i] < 0)
                Fail($"LowmemReserveRatio[{i}]", LowmemReserveRatio[i], "must not be negative");
        }

        var spans = new List<(ulong Start, ulong End, string Field)>();
        for (int n = 0; n < Nodes.Count; n++)
        {
            NodeDescription node = Nodes[n];
            string np = $"Nodes[{n}]";
            if (node?.Zones is null || node.Zones.Count == 0)
                Fail($"{np}.Zones", "(empty)", "a node needs at least one zone");
            for (int z = 0; z < node!.Zones.Count; z++)
            {
                ZoneDescription zone = node.Zones[z];
                string zp = $"{np}.Zones[{z}]";
                if (zone is null)
                    Fail(zp, "null", "missing zone");
                if (!Enum.IsDefined(zone!.Type))
                    Fail($"{zp}.Type", (int)zone.Type, "not a zone type (Dma, Dma32, Normal, Movable)");
                if (zone.SpannedPages == 0)
                    Fail($"{zp}.SpannedPages", 0, "a zone spans at least one page");
                if (zone.StartPfn >= MaxSupportedPfn || zone.SpannedPages > MaxSupportedPfn - zone.StartPfn)
                    Fail($"{zp}.SpannedPages", Hex(zone.SpannedPages), $"the zone ends beyond pfn {Hex(MaxSupportedPfn)}");
                if (z > 0)
                {
                    ZoneDescription prev = node.Zones[z - 1];
                    if (zone.Type <= prev.Type)
                        Fail($"{zp}.Type", zone.Type, $"zones of a node must have ascending types (previous is {prev.Type})");
                    if (zone.StartPfn != prev.EndPfn)
                        Fail($"{zp}.StartPfn", Hex(zone.StartPfn),
                            $"must equal the previous zone's end {Hex(prev.EndPfn)} (zones of a node are contiguous; express gaps as holes)");
                }
                ValidateRanges(zone, zp);
                spans.Add((zone.StartPfn, zone.EndPfn, zp));
            }
        }
        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (int i = 1; i < spans.Count; i++)
        {
            if (spans[i].Start < spans[i - 1].End)
                Fail($"{spans[i].Field}.StartPfn", Hex(spans[i].Start), $"overlaps {spans[i - 1].Field} [{Hex(spans[i - 1].Start)}, {Hex(spans[i - 1].End)})");
        }
    }

    private static void ValidateRanges(ZoneDescription zone, string zp)
    {
        var all = new List<(PfnRange R, string Field)>();
        if (zone.Holes is null || zone.Reserved is null)
            Fail(zp, "null", "Holes and Reserved must be lists (possibly empty)");
        for (int i = 0; i < zone.Holes!.Count; i++)
            all.Add((zone.Holes[i], $"{zp}.Holes[{i}]"));
        for (int i = 0; i < zone.Reserved!.Count; i++)
            all.Add((zone.Reserved[i], $"{zp}.Reserved[{i}]"));
        foreach ((PfnRange r, string f) in all)
        {
            if (r.Count == 0)
                Fail($"{f}.Count", 0, "an empty range");
            if (r.StartPfn < zone.StartPfn || r.StartPfn >= zone.EndPfn || r.Count > zone.EndPfn - r.StartPfn)
                Fail(f, $"[{Hex(r.StartPfn)}, +{r.Count})", $"lies outside the zone span [{Hex(zone.StartPfn)}, {Hex(zone.EndPfn)})");
        }
        all.Sort((a, b) => a.R.StartPfn.CompareTo(b.R.StartPfn));
        for (int i = 1; i < all.Count; i++)
        {
            if (all[i].R.StartPfn < all[i - 1].R.EndPfn)
                Fail(all[i].Field, $"[{Hex(all[i].R.StartPfn)}, +{all[i].R.Count})", $"overlaps {all[i - 1].Field}");
        }
    }

    private static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    private static void Fail(string field, object value, string rule) =>
        throw new InvalidMachineDescriptionException(field, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null", rule);
}

/// <summary>A <see cref="MachineDescription"/> that cannot be booted: names the field, its value and the broken rule.</summary>
public sealed class InvalidMachineDescriptionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidMachineDescriptionException(string field, string value, string rule)
        : base($"machine description: {field} = {value}: {rule}")
    {
        Field = field;
        Value = value;
        Rule = rule;
    }

    /// <summary>The offending field, as a path (e.g. <c>Nodes[0].Zones[1].Holes[0]</c>).</summary>
    public string Field { get; }

    /// <summary>The offending value.</summary>
    public string Value { get; }

    /// <summary>The rule it breaks.</summary>
    public string Rule { get; }
}
