using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Writes /proc/meminfo as v5.4 does (<c>meminfo_proc_show</c>, fs/proc/meminfo.c, plus
/// <c>hugetlb_report_meminfo</c> and x86's <c>arch_report_meminfo</c>) for x86-64 with CONFIG_MMU, CONFIG_SWAP,
/// CONFIG_MEMORY_FAILURE, CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_CMA and CONFIG_HUGETLB_PAGE on, no HIGHMEM, no
/// QUICKLIST. Most lines are <c>show_val_kb</c>: the label padded by hand to 16 characters in the kernel's string
/// literal, then the value in KiB right-aligned to width 8 (<c>seq_put_decimal_ull_width(.., 8)</c>) and " kB".
/// </summary>
/// <remarks>
/// Lines for things ReclaimFast does not emulate print 0: Buffers (v5.4's nr_blockdev_pages: no block-device inode
/// has a page cache here; buffer heads of block-backed regular files leave their pages in Cached, as v5.4 does), Committed_AS
/// (no <c>vm_committed_as</c> accounting of mappings), VmallocUsed/VmallocChunk (no vmalloc), Percpu (no percpu
/// allocator), HardwareCorrupted (no memory failure), CmaTotal (no CMA area), HugePages_* and Hugetlb (no hugetlbfs
/// pool), DirectMap4k/2M/1G (no kernel direct map). Their counters, where the kernel has one in vmstat, are read all
/// the same (they stay 0).
/// </remarks>
public static unsafe class ProcMeminfo
{
    /// <summary><c>sysctl_overcommit_ratio</c> default (mm/util.c).</summary>
    public const int OvercommitRatio = 50;

    /// <summary>HPAGE_PMD_NR: base pages of a PMD-mapped THP (x86-64: 512).</summary>
    public const int HpagePmdNr = 512;

    /// <summary>VMALLOC_TOTAL &gt;&gt; 10 on x86-64 with 4-level paging: 32 TiB − 1 byte in KiB.</summary>
    public const ulong VmallocTotalKb = ((32UL << 40) - 1) >> 10;

    /// <summary>Writes the whole file.</summary>
    public static void Write(Machine machine, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        Machine m = machine;
        TextWriter w = writer;

        // si_meminfo / si_swapinfo
        ulong totalram = m.TotalramPages();
        ulong freeram = Fmt.Clamp(m.GlobalZonePageState(ZoneStatItem.NrFreePages));
        ulong bufferram = 0; // nr_blockdev_pages(): no block-device buffer heads in ReclaimFast
        ulong sharedram = Node(m, NodeStatItem.NrShmem);
        ulong totalswap = (ulong)Math.Max(0, m.TotalSwapPages);
        ulong freeswap = (ulong)Math.Max(0, m.NrSwapPages);
        ulong swapcache = m.TotalSwapcachePages();

        long cached = m.GlobalNodePageState(NodeStatItem.NrFilePages) - (long)swapcache - (long)bufferram;
        if (cached < 0)
            cached = 0;

        ulong activeAnon = Node(m, NodeStatItem.NrActiveAnon), inactiveAnon = Node(m, NodeStatItem.NrInactiveAnon);
        ulong activeFile = Node(m, NodeStatItem.NrActiveFile), inactiveFile = Node(m, NodeStatItem.NrInactiveFile);
        ulong sreclaimable = Node(m, NodeStatItem.NrSlabReclaimable);
        ulong sunreclaim = Node(m, NodeStatItem.NrSlabUnreclaimable);

        Kb(w, "MemTotal:       ", totalram);
        Kb(w, "MemFree:        ", freeram);
        Kb(w, "MemAvailable:   ", SiMemAvailable(m));
        Kb(w, "Buffers:        ", bufferram);
        Kb(w, "Cached:         ", (ulong)cached);
        Kb(w, "SwapCached:     ", swapcache);
        Kb(w, "Active:         ", activeAnon + activeFile);
        Kb(w, "Inactive:       ", inactiveAnon + inactiveFile);
        Kb(w, "Active(anon):   ", activeAnon);
        Kb(w, "Inactive(anon): ", inactiveAnon);
        Kb(w, "Active(file):   ", activeFile);
        Kb(w, "Inactive(file): ", inactiveFile);
        Kb(w, "Unevictable:    ", Node(m, NodeStatItem.NrUnevictable));
        Kb(w, "Mlocked:        ", Zone(m, ZoneStatItem.NrMlock));
        Kb(w, "SwapTotal:      ", totalswap);
        Kb(w, "SwapFree:       ", freeswap);
        Kb(w, "Dirty:          ", Node(m, NodeStatItem.NrFileDirty));
        Kb(w, "Writeback:      ", Node(m, NodeStatItem.NrWriteback));
        Kb(w, "AnonPages:      ", Node(m, NodeStatItem.NrAnonMapped));
        Kb(w, "Mapped:         ", Node(m, NodeStatItem.NrFileMapped));
        Kb(w, "Shmem:          ", sharedram);
        Kb(w, "KReclaimable:   ", sreclaimable + Node(m, NodeStatItem.NrKernelMiscReclaimable));
        Kb(w, "Slab:           ", sreclaimable + sunreclaim);
        Kb(w, "SReclaimable:   ", sreclaimable);
        Kb(w, "SUnreclaim:     ", sunreclaim);
        Raw(w, Fmt.S($"KernelStack:    {Zone(m, ZoneStatItem.NrKernelStackKb),8} kB\n")); // already in KiB
        Kb(w, "PageTables:     ", Zone(m, ZoneStatItem.NrPagetable));
        Kb(w, "NFS_Unstable:   ", Node(m, NodeStatItem.NrUnstableNfs));
        Kb(w, "Bounce:         ", Zone(m, ZoneStatItem.NrBounce));
        Kb(w, "WritebackTmp:   ", Node(m, NodeStatItem.NrWritebackTemp));
        Kb(w, "CommitLimit:    ", VmCommitLimit(m));
        Kb(w, "Committed_AS:   ", 0); // vm_committed_as is not accounted (no mmap accounting)
        Raw(w, Fmt.S($"VmallocTotal:   {VmallocTotalKb,8} kB\n"));
        Kb(w, "VmallocUsed:    ", 0);
        Kb(w, "VmallocChunk:   ", 0);
        Kb(w, "Percpu:         ", 0);
        Raw(w, Fmt.S($"HardwareCorrupted: {0,5} kB\n"));
        Kb(w, "AnonHugePages:  ", Node(m, NodeStatItem.NrAnonThps) * HpagePmdNr);
        Kb(w, "ShmemHugePages: ", Node(m, NodeStatItem.NrShmemThps) * HpagePmdNr);
        Kb(w, "ShmemPmdMapped: ", Node(m, NodeStatItem.NrShmemPmdmapped) * HpagePmdNr);
        Kb(w, "FileHugePages:  ", Node(m, NodeStatItem.NrFileThps) * HpagePmdNr);
        Kb(w, "FilePmdMapped:  ", Node(m, NodeStatItem.NrFilePmdmapped) * HpagePmdNr);
        Kb(w, "CmaTotal:       ", 0); // totalcma_pages: no CMA area
        Kb(w, "CmaFree:        ", Zone(m, ZoneStatItem.NrFreeCmaPages));

        // hugetlb_report_meminfo (mm/hugetlb.c) for the default 2 MiB hstate with an empty pool.
        Raw(w, Fmt.S($"HugePages_Total:   {0,5}\nHugePages_Free:    {0,5}\nHugePages_Rsvd:    {0,5}\nHugePages_Surp:    {0,5}\n"));
        Raw(w, Fmt.S($"Hugepagesize:   {HpagePmdNr * (Pfn.PageSize / 1024),8} kB\n"));
        Raw(w, Fmt.S($"Hugetlb:        {0,8} kB\n"));

        // arch_report_meminfo (arch/x86/mm/pageattr.c): no direct map is emulated.
        Raw(w, Fmt.S($"DirectMap4k:    {0,8} kB\n"));
        Raw(w, Fmt.S($"DirectMap2M:    {0,8} kB\n"));
        Raw(w, Fmt.S($"DirectMap1G:    {0,8} kB\n"));
    }

    /// <summary>The file as a string.</summary>
    public static string Read(Machine machine)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(machine, sw);
        return sw.ToString();
    }

    /// <summary>
    /// Mirrors <c>si_mem_available</c> (mm/page_alloc.c): free pages less <c>totalreserve_pages</c>, plus the file
    /// LRUs and the reclaimable kernel memory, each less min(half, Σ low watermarks of all zones); at least 0.
    /// </summary>
    public static ulong SiMemAvailable(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        Machine m = machine;
        long wmarkLow = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            PglistData* pgdat = m.NodeData(nid);
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                wmarkLow += (long)MmZone.LowWmarkPages(PglistData.NodeZone(pgdat, z)); // includes the boost
        }
        long available = (long)Zone(m, ZoneStatItem.NrFreePages) - (long)m.TotalreservePages;

        // Not all the page cache can be freed, otherwise the system will start swapping.
        long pagecache = (long)(Node(m, NodeStatItem.NrActiveFile) + Node(m, NodeStatItem.NrInactiveFile));
        pagecache -= Math.Min(pagecache / 2, wmarkLow);
        available += pagecache;

        // Reclaimable kernel memory (slab, misc) likewise.
        long reclaimable = (long)(Node(m, NodeStatItem.NrSlabReclaimable) + Node(m, NodeStatItem.NrKernelMiscReclaimable));
        available += reclaimable - Math.Min(reclaimable / 2, wmarkLow);
        return available < 0 ? 0 : (ulong)available;
    }

    /// <summary>
    /// Mirrors <c>vm_commit_limit</c> (mm/util.c) with sysctl_overcommit_kbytes 0 and the default overcommit ratio:
    /// (totalram − hugetlb pages (none)) × 50 / 100 + <c>total_swap_pages</c>.
    /// </summary>
    public static ulong VmCommitLimit(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return machine.TotalramPages() * OvercommitRatio / 100 + (ulong)Math.Max(0, machine.TotalSwapPages);
    }

    private static ulong Zone(Machine m, ZoneStatItem item) => Fmt.Clamp(m.GlobalZonePageState(item));

    private static ulong Node(Machine m, NodeStatItem item) => Fmt.Clamp(m.GlobalNodePageState(item));

    /// <summary><c>show_val_kb</c>: label (already padded in the literal), pages in KiB as <c>%8lu</c>, " kB".</summary>
    private static void Kb(TextWriter w, string label, ulong pages)
    {
        w.Write(label);
        w.Write(Fmt.S($"{pages << (Pfn.PageShift - 10),8}"));
        w.Write(" kB\n");
    }

    private static void Raw(TextWriter w, string s) => w.Write(s);
}
