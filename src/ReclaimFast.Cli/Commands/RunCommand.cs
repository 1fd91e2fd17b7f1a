using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using ReclaimFast.Cli.Output;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Workload.Scenario;

namespace ReclaimFast.Cli.Commands;

/// <summary>What <c>reclaimfast run</c> was asked to do.</summary>
/// <param name="ScenarioPath">The scenario file, or null for the embedded default.</param>
/// <param name="Seed">--seed: replaces the scenario's seed.</param>
/// <param name="OutDir">--out: the report directory (written atomically).</param>
/// <param name="CheckInvariants">--check-invariants: check the whole machine after every step.</param>
/// <param name="Json">--json: print the run's summary as one JSON object instead of text.</param>
/// <param name="DebugVm">--debug-vm: boot the machine with CONFIG_DEBUG_VM.</param>
internal sealed record RunOptions(
    string? ScenarioPath = null, ulong? Seed = null, string? OutDir = null, bool CheckInvariants = false, bool Json = false, bool DebugVm = false);

/// <summary>
/// <c>reclaimfast run [SCENARIO.json] [--seed N] [--out DIR] [--check-invariants] [--json] [--debug-vm]</c>: runs a scenario (the
/// embedded default when no file is given) with a progress bar on a terminal, then prints the boot summary, the run's
/// reclaim counters, <c>/proc/zoneinfo</c> and <c>/proc/buddyinfo</c> (or, with <c>--json</c>, the summary object);
/// <c>--out DIR</c> writes every report (<see cref="RunReports"/>) and <c>summary.txt</c>. <c>Execute</c> is the
/// run itself, for callers that report on the finished machine.
/// </summary>
internal static class RunCommand
{
    /// <summary>The /proc/vmstat counters the text summary shows, in this order.</summary>
    internal static readonly string[] SummaryCounters =
    [
        "pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct", "allocstall_normal", "allocstall_dma32",
        "pswpout", "pswpin", "workingset_refault", "workingset_activate", "slabs_scanned", "pgmajfault", "oom_kill",
    ];

    public static Command Create()
    {
        var scenarioArgument = new Argument<string?>("SCENARIO")
        {
            Description = "A scenario JSON file (default: the embedded 'default' scenario; see `reclaimfast scenarios`).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var seedOption = new Option<ulong?>("--seed") { Description = "Seed for the scheduler and the access generators (replaces the scenario's)." };
        var outOption = new Option<string?>("--out") { Description = "Also write the reports as files under DIR/proc/ (replaced atomically)." };
        var checkOption = new Option<bool>("--check-invariants") { Description = "Check every machine invariant after every step (slow)." };
        var jsonOption = new Option<bool>("--json") { Description = "Print the summary as one JSON object (counters under their /proc/vmstat names)." };
        var debugVmOption = new Option<bool>("--debug-vm")
        {
            Description = "Boot with CONFIG_DEBUG_VM: order-0 pages are checked when freed to and allocated from the pcp lists (default: at refill and drain, as distribution kernels).",
        };
        var cmd = new Command("run", "Run a scenario (the embedded default when none is given) and print what reclaim did.");
        cmd.Arguments.Add(scenarioArgument);
        cmd.Options.Add(seedOption);
        cmd.Options.Add(outOption);
        cmd.Options.Add(checkOption);
        cmd.Options.Add(jsonOption);
        cmd.Options.Add(debugVmOption);
        cmd.SetAction(parse => Run(
            new RunOptions(parse.GetValue(scenarioArgument), parse.GetValue(seedOption), parse.GetValue(outOption), parse.GetValue(checkOption),
                parse.GetValue(jsonOption), parse.GetValue(debugVmOption)),
            parse.InvocationConfiguration.Output, progress: true));
        return cmd;
    }

    /// <summary>Loads the scenario the options name (a file, or the embedded default).</summary>
    internal static ScenarioDefinition Load(RunOptions options) =>
        options.ScenarioPath is null ? EmbeddedScenarios.Load(EmbeddedScenarios.DefaultName) : ScenarioParser.ParseFile(options.ScenarioPath);

    /// <summary>
    /// Loads and runs the scenario; returns the finished runner (its machine holds the final state; the caller
    /// disposes it). <paramref name="onInterval"/> is passed to <see cref="ScenarioRunner.Run"/>.
    /// </summary>
    internal static ScenarioRunner Execute(RunOptions options, Action<Machine, double>? onInterval = null, ulong intervalJiffies = 0) =>
        Execute(Load(options), options, onInterval, intervalJiffies);

    /// <summary>Runs <paramref name="scenario"/> with the options' seed and checks; returns the finished runner.</summary>
    internal static ScenarioRunner Execute(ScenarioDefinition scenario, RunOptions options, Action<Machine, double>? onInterval, ulong intervalJiffies)
    {
        var runner = new ScenarioRunner(scenario, options.Seed)
        {
            CheckInvariants = options.CheckInvariants,
            ConfigDebugVm = options.DebugVm ? true : null,
        };
        try
        {
            runner.Run(onInterval, intervalJiffies);
            return runner;
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    internal static int Run(RunOptions options, TextWriter stdout, bool progress = false)
    {
        ScenarioDefinition scenario = Load(options);
        var sw = Stopwatch.StartNew(); // wall clock of the host, outside the emulation
        TimelineRecorder? timeline = null;
        ScenarioRunner runner;
        // The timeline samples every HZ/10 of simulated time; the bar shows the simulated fraction done.
        ulong interval = (ulong)Math.Max(1, scenario.Machine.Hz / 10);
        using (var bar = new ProgressReporter($"run {scenario.Name}", progress ? null : false))
        {
            runner = Execute(scenario, options, (m, done) =>
            {
                if (timeline is null)
                {
                    ReclaimFastEventSource.Attach(m); // dotnet-counters shows this machine
                    timeline = new TimelineRecorder(m, interval);
                }
                timeline.SampleIfDue(m);
                bar.Report(done);
            }, interval);
        }
        using (runner)
        {
            double wallMs = sw.Elapsed.TotalMilliseconds;
            Machine machine = runner.Machine;
            timeline ??= new TimelineRecorder(machine, interval);
            timeline.Sample(machine);
            var info = new RunInfo(runner.Scenario.Name, runner.Seed, wallMs / 1000);

            string summary = BootSummary(machine, runner.Scenario.Name, wallMs) + Environment.NewLine + RunSummary(runner, wallMs);
            if (options.OutDir is not null)
                RunReports.Write(machine, timeline, info, options.OutDir, ("summary.txt", summary));
            if (options.Json)
            {
                stdout.Write(SummaryJson.ToJson(machine, timeline, info));
                return 0;
            }
            stdout.Write(summary);
            stdout.WriteLine();
            stdout.WriteLine("==> /proc/zoneinfo <==");
            stdout.Write(ProcZoneinfo.Read(machine));
            stdout.WriteLine();
            stdout.WriteLine("==> /proc/buddyinfo <==");
            stdout.Write(ProcBuddyinfo.Read(machine));
            if (options.OutDir is not null)
            {
                stdout.WriteLine();
                stdout.WriteLine($"reports written to {Path.GetFullPath(options.OutDir)}");
            }
        }
        return 0;
    }

    /// <summary>The machine's /proc/vmstat as name → value (names and values exactly as the file has them).</summary>
    internal static Dictionary<string, long> Vmstat(Machine m)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in ProcVmstat.Read(m).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int sp = line.IndexOf(' ');
            d[line[..sp]] = long.Parse(line.AsSpan(sp + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        return d;
    }

    /// <summary>What the run did: simulated and host time, the main reclaim counters, each process's outcome.</summary>
    internal static string RunSummary(ScenarioRunner runner, double wallMs)
    {
        Machine m = runner.Machine;
        var w = new StringWriter();
        double simulated = (double)m.Jiffies / m.Hz;
        w.WriteLine(FormattableString.Invariant(
            $"ran scenario '{runner.Scenario.Name}' (seed {runner.Seed}): {simulated:F2} s simulated ({m.Jiffies} jiffies at HZ={m.Hz}), {m.StepsRun} steps, {wallMs / 1000:F2} s host time"));
        Dictionary<string, long> v = Vmstat(m);
        foreach (string name in SummaryCounters)
            w.WriteLine($"  {name,-22} {(v.TryGetValue(name, out long x) ? x : 0),14}");
        w.WriteLine();
        w.WriteLine("  process              accesses     writes    dropped  outcome");
        foreach (ScenarioProcessResult p in runner.ProcessResults)
        {
            string outcome = p.OomKilled ? "OOM-killed" : p.FaultOom ? "fault OOM" : p.Exited ? "exited" : "running";
            w.WriteLine($"  {p.Name,-16} {p.Accesses,12} {p.Writes,10} {p.AccessesDropped,10}  {outcome}");
        }
        return w.ToString();
    }

    /// <summary>Boot summary: the machine's shape, zone sizes and watermarks, and host cost per emulated page.</summary>
    internal static string BootSummary(Machine m, string scenario, double wallMs)
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
        w.WriteLine($"ReclaimFast: scenario '{scenario}' booted and ran in {wallMs:F0} ms (host time)");
        w.WriteLine($"  nodes {m.NrNodes}, cpus {m.NrCpus}, max_pfn {m.MaxPfnValue}, present {pages} pages ({pages * 4 / 1024} MiB), managed {managed} pages");
        w.WriteLine($"  min_free_kbytes {m.MinFreeKbytes}, totalreserve_pages {m.TotalreservePages}, CONFIG_DEBUG_VM={(m.ConfigDebugVm ? 'y' : 'n')}");
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
