using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Writes /proc/vmstat as v5.4 does (<c>vmstat_start</c> + <c>vmstat_show</c>, mm/vmstat.c): one <c>"%s %lu\n"</c>
/// line per <c>vmstat_text</c> entry in the kernel's order — zone items, NUMA items, node items,
/// <c>nr_dirty_threshold</c>, <c>nr_dirty_background_threshold</c>, then the events (<see cref="VmEvent"/>, with
/// pgpgin/pgpgout halved from sectors to KiB). Also the per-node variant
/// <c>/sys/devices/system/node/nodeN/vmstat</c> (<c>node_read_vmstat</c>, drivers/base/node.c).
/// </summary>
public static unsafe class ProcVmstat
{
    /// <summary><c>vm_dirty_ratio</c> default (mm/page-writeback.c).</summary>
    public const int VmDirtyRatio = Machine.VmDirtyRatio;

    /// <summary><c>dirty_background_ratio</c> default.</summary>
    public const int DirtyBackgroundRatio = Machine.DirtyBackgroundRatio;

    /// <summary>Writes the whole of /proc/vmstat.</summary>
    public static void Write(Machine machine, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        // global_zone_page_state / global_node_page_state clamp the (global) sum to 0 (CONFIG_SMP).
        for (int i = 0; i < VmStat.NrVmZoneStatItems; i++)
            Line(writer, VmStat.ZoneStatText[i], Fmt.Clamp(machine.GlobalZonePageState((ZoneStatItem)i)));
        for (int i = 0; i < VmStat.NrVmNumaStatItems; i++)
            Line(writer, VmStat.NumaStatText[i], Fmt.Clamp(GlobalNumaState(machine, (NumaStatItem)i)));
        for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
            Line(writer, VmStat.NodeStatText[i], Fmt.Clamp(machine.GlobalNodePageState((NodeStatItem)i)));
        GlobalDirtyLimits(machine, out ulong background, out ulong dirty);
        // enum writeback_stat_item: NR_DIRTY_THRESHOLD, NR_DIRTY_BG_THRESHOLD.
        Line(writer, "nr_dirty_threshold", dirty);
        Line(writer, "nr_dirty_background_threshold", background);
        for (int i = 0; i < VmEvent.NrVmEventItems; i++)
        {
            ulong v = (ulong)machine.VmEvent((VmEventItem)i); // all_vm_events: unsigned long
            if (i is (int)VmEventItem.Pgpgin or (int)VmEventItem.Pgpgout)
                v /= 2; // sectors -> kbytes
            Line(writer, VmEvent.Text[i], v);
        }
    }

    /// <summary>/proc/vmstat as a string.</summary>
    public static string Read(Machine machine)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(machine, sw);
        return sw.ToString();
    }

    /// <summary>
    /// Writes <c>/sys/devices/system/node/node<paramref name="nid"/>/vmstat</c>: mirrors <c>node_read_vmstat</c>
    /// (v5.4 drivers/base/node.c) — zone items summed over the node's zones (<c>sum_zone_node_page_state</c>, each
    /// zone clamped), NUMA items (<c>sum_zone_numa_state</c>), the node's node items; no thresholds, no events.
    /// </summary>
    public static void WriteNode(Machine machine, int nid, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        if ((uint)nid >= (uint)machine.NrNodes)
            throw new ArgumentOutOfRangeException(nameof(nid), nid, $"nodes are 0..{machine.NrNodes - 1}");
        PglistData* pgdat = machine.NodeData(nid);
        for (int i = 0; i < VmStat.NrVmZoneStatItems; i++)
        {
            ulong sum = 0;
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += Fmt.Clamp(PglistData.NodeZone(pgdat, z)->VmStat[i]);
            Line(writer, VmStat.ZoneStatText[i], sum);
        }
        for (int i = 0; i < VmStat.NrVmNumaStatItems; i++)
        {
            ulong sum = 0;
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += Fmt.Clamp(PglistData.NodeZone(pgdat, z)->VmNumaStat[i]);
            Line(writer, VmStat.NumaStatText[i], sum);
        }
        for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
            Line(writer, VmStat.NodeStatText[i], Fmt.Clamp(pgdat->VmStat[i]));
    }

    /// <summary>The per-node vmstat file as a string.</summary>
    public static string ReadNode(Machine machine, int nid)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        WriteNode(machine, nid, sw);
        return sw.ToString();
    }

    /// <summary>
    /// Mirrors <c>global_dirty_limits</c> (mm/page-writeback.c) with the defaults vm_dirty_bytes = 0,
    /// dirty_background_bytes = 0, vm_dirty_ratio 20, dirty_background_ratio 10, a non-RT reader, no highmem:
    /// <c>domain_dirty_limits</c> over <c>global_dirtyable_memory</c>.
    /// </summary>
    public static void GlobalDirtyLimits(Machine machine, out ulong background, out ulong dirty)
    {
        ArgumentNullException.ThrowIfNull(machine);
        machine.GlobalDirtyLimits(out background, out dirty);
    }

    /// <summary>
    /// Mirrors <c>global_dirtyable_memory</c> (mm/page-writeback.c): free pages less <c>totalreserve_pages</c>,
    /// plus the file LRUs, plus one (never 0). No highmem on x86-64, so nothing is subtracted for it.
    /// </summary>
    public static ulong GlobalDirtyableMemory(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return machine.GlobalDirtyableMemory();
    }

    /// <summary><c>global_numa_state</c>: the sum over all zones.</summary>
    private static long GlobalNumaState(Machine m, NumaStatItem item)
    {
        long sum = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            PglistData* pgdat = m.NodeData(nid);
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += PglistData.NodeZone(pgdat, z)->VmNumaStat[(int)item];
        }
        return sum;
    }

    /// <summary><c>seq_puts(name); seq_put_decimal_ull(" ", v); seq_putc('\n')</c>.</summary>
    private static void Line(TextWriter w, string name, ulong value)
    {
        w.Write(name);
        w.Write(' ');
        w.Write(value.ToString(CultureInfo.InvariantCulture));
        w.Write('\n');
    }
}
