using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Writes /proc/buddyinfo byte-compatibly with v5.4 (<c>frag_show</c> → <c>frag_show_print</c>, mm/vmstat.c):
/// one line per populated zone with <c>nr_free</c> of each order.
/// </summary>
public static unsafe class ProcBuddyinfo
{
    /// <summary>Writes the whole file.</summary>
    public static void Write(Machine machine, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        for (int nid = 0; nid < machine.NrNodes; nid++)
        {
            PglistData* pgdat = machine.NodeData(nid);
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, zid);
                if (!MmZone.PopulatedZone(zone))
                    continue;
                writer.Write(Fmt.S($"Node {pgdat->NodeId}, zone {MmZone.ZoneName(zid),8} "));
                for (int order = 0; order < MmZone.MaxOrder; order++)
                    writer.Write(Fmt.S($"{Zone.Area(zone, order)->NrFree,6} "));
                writer.Write('\n');
            }
        }
    }

    /// <summary>The file as a string.</summary>
    public static string Read(Machine machine)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(machine, sw);
        return sw.ToString();
    }
}
