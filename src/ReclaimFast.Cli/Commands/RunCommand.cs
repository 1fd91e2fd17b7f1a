using System;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using ReclaimFast.Cli.Output;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Cli.Commands;

/// <summary>
/// <c>reclaimfast run</c>: boots the embedded default machine (16 GiB over two nodes) and prints a boot summary,
/// <c>/proc/zoneinfo</c> and <c>/proc/buddyinfo</c>; <c>--out DIR</c> also writes them, <c>pagetypeinfo</c>, <c>vmstat</c>
/// and <c>meminfo</c> under <c>DIR/proc/</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var outOption = new Option<string?>("--out") { Description = "Also write the reports as files under DIR/proc/ (replaced atomically)." };
        var cmd = new Command("run", "Run the main job: boot the embedded default machine and print its reports.");
        cmd.Options.Add(outOption);
        cmd.SetAction(parse => Run(parse.GetValue(outOption), Console.Out));
        return cmd;
    }

    internal static int Run(string? outDir, TextWriter stdout)
    {
        var sw = Stopwatch.StartNew(); // wall clock of the host, outside the emulation
        using Machine machine = Machine.CreateDefault();
        double bootMs = sw.Elapsed.TotalMilliseconds;

        string summary = BootSummary(machine, bootMs);
        string zoneinfo = ProcZoneinfo.Read(machine);
        string buddyinfo = ProcBuddyinfo.Read(machine);

        stdout.Write(summary);
        stdout.WriteLine();
        stdout.WriteLine("==> /proc/zoneinfo <==");
        stdout.Write(zoneinfo);
        stdout.WriteLine();
        stdout.WriteLine("==> /proc/buddyinfo <==");
        stdout.Write(buddyinfo);

        if (outDir is not null)
        {
            using var output = new AtomicOutputDirectory(outDir);
            string proc = output.Sub("proc");
            File.WriteAllText(Path.Combine(proc, "zoneinfo"), zoneinfo);
            File.WriteAllText(Path.Combine(proc, "buddyinfo"), buddyinfo);
            File.WriteAllText(Path.Combine(proc, "pagetypeinfo"), ProcPagetypeinfo.Read(machine));
            File.WriteAllText(Path.Combine(proc, "vmstat"), ProcVmstat.Read(machine));
            File.WriteAllText(Path.Combine(proc, "meminfo"), ProcMeminfo.Read(machine));
            File.WriteAllText(Path.Combine(output.Path, "summary.txt"), summary);
            output.Commit();
            stdout.WriteLine();
            stdout.WriteLine($"reports written to {Path.GetFullPath(outDir)}");
        }
        return 0;
    }

    /// <summary>Boot summary: the machine's shape, zone sizes and watermarks, and host cost per emulated page.</summary>
    internal static string BootSummary(Machine m, double bootMs)
    {
        var w = new StringWriter();
        ulong pages = 0, managed = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                pages += m.ZonePresentPages(nid, (ZoneType)z);
                managed += m.ZoneManagedPages(nid, (ZoneType)z);
            }
        }
        w.WriteLine($"ReclaimFast: booted the default machine in {bootMs:F0} ms (host time)");
        w.WriteLine($"  nodes {m.NrNodes}, cpus {m.NrCpus}, max_pfn {m.MaxPfnValue}, present {pages} pages ({pages * 4 / 1024} MiB), managed {managed} pages");
        w.WriteLine($"  min_free_kbytes {m.MinFreeKbytes}, totalreserve_pages {m.TotalreservePages}");
        w.WriteLine($"  host memory: {m.NativeBytes} native bytes = {(double)m.NativeBytes / m.MaxPfnValue:F1} bytes per emulated page frame");
        w.WriteLine();
        w.WriteLine("  node zone      start_pfn    spanned    present    managed       min       low      high");
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                var zt = (ZoneType)z;
                if (m.ZoneSpannedPages(nid, zt) == 0)
                    continue;
                w.WriteLine($"  {nid,4} {MmZone.ZoneName(z),-8} {m.ZoneStartPfn(nid, zt),10} {m.ZoneSpannedPages(nid, zt),10} " +
                            $"{m.ZonePresentPages(nid, zt),10} {m.ZoneManagedPages(nid, zt),10} {m.ZoneWatermark(nid, zt, 0),9} " +
                            $"{m.ZoneWatermark(nid, zt, 1),9} {m.ZoneWatermark(nid, zt, 2),9}");
            }
        }
        return w.ToString();
    }
}
