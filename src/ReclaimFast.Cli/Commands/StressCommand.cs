using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using ReclaimFast.Cli.Output;
using ReclaimFast.Diagnostics;
using ReclaimFast.Workload;

namespace ReclaimFast.Cli.Commands;

/// <summary>
/// <c>reclaimfast stress --memory SIZE [--ops N] [--seed N] [--check-invariants [--check-every N]] [--out DIR] [--json]</c>:
/// a large machine sized from SIZE under mixed seeded pressure (<see cref="StressWorkload"/>), run for N ops (one
/// op = one scheduling decision of the event loop: a workload task's step or a kswapd step).
/// </summary>
internal static class StressCommand
{
    /// <summary>Default number of ops.</summary>
    public const long DefaultOps = 100_000;

    /// <summary>Default interval of the invariant checker, in ops.</summary>
    public const long DefaultCheckEvery = 1000;

    /// <summary>Exit code when <c>--check-invariants</c> finds a broken machine.</summary>
    public const int InvariantViolationExitCode = 1;

    /// <summary>The stress verb's arguments.</summary>
    internal sealed record Arguments(string? Memory, long Ops = DefaultOps, ulong Seed = 1, bool CheckInvariants = false,
        long CheckEvery = DefaultCheckEvery, string? Out = null, bool Json = false);

    public static Command Create()
    {
        var memory = new Option<string?>("--memory") { Description = "Emulated RAM, 64MiB..256GiB (e.g. 16GiB; all units binary)." };
        var ops = new Option<long>("--ops") { Description = "Ops to run: scheduling decisions (a task step or a kswapd step).", DefaultValueFactory = _ => DefaultOps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the workload and the scheduler.", DefaultValueFactory = _ => 1 };
        var check = new Option<bool>("--check-invariants") { Description = "Validate the whole machine every --check-every ops and at the end." };
        var checkEvery = new Option<long>("--check-every") { Description = "Ops between invariant checks.", DefaultValueFactory = _ => DefaultCheckEvery };
        var outDir = new Option<string?>("--out") { Description = "Write the reports under DIR (replaced atomically)." };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object (vmstat counters under their /proc/vmstat names)." };
        var cmd = new Command("stress", "Hammer a large emulated machine with mixed, seeded memory pressure.")
        {
            memory, ops, seed, check, checkEvery, outDir, json,
        };
        cmd.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            try
            {
                return Run(new Arguments(parse.GetValue(memory), parse.GetValue(ops), parse.GetValue(seed), parse.GetValue(check),
                    parse.GetValue(checkEvery), parse.GetValue(outDir), parse.GetValue(json)), output, progress: true);
            }
            catch (Exception e) when (Program.IsBadInput(e))
            {
                error.WriteLine($"reclaimfast stress: {e.Message}");
                return CliException.ExitCode;
            }
            catch (InvariantViolationException e)
            {
                // A bug in the emulator, not bad input: exit 1, and no reports (they would describe a broken machine).
                error.WriteLine($"reclaimfast stress: {e.Message}");
                return InvariantViolationExitCode;
            }
        });
        return cmd;
    }

    /// <summary>Runs the verb; bad input throws (<see cref="CliException"/> or <see cref="FormatException"/>) before anything is written.</summary>
    internal static int Run(Arguments args, TextWriter stdout, bool progress = false)
    {
        if (args.Memory is null)
            throw new CliException("--memory is required (e.g. --memory 16GiB)");
        long bytes = SizeParser.Parse("--memory", args.Memory);
        if (!StressWorkload.TryValidateMemory(bytes, out string? problem))
            throw new CliException($"--memory: {problem}: '{args.Memory}'");
        if (args.Ops < 1)
            throw new CliException($"--ops: must be at least 1: '{args.Ops}'");
        if (args.CheckEvery < 1)
            throw new CliException($"--check-every: must be at least 1: '{args.CheckEvery}'");

        var wall = Stopwatch.StartNew(); // host time, reported under "run" only
        using var stress = new StressWorkload(bytes, args.Seed);
        Machine m = stress.Machine;
        ReclaimFastEventSource.Attach(m); // dotnet-counters shows this machine
        var timeline = new TimelineRecorder(m);
        using (var bar = new ProgressReporter($"stress {args.Memory}", progress ? null : false))
        {
            long reportEvery = Math.Max(1, args.Ops / 1000);
            timeline.Sample(m);
            for (long op = 1; op <= args.Ops; op++)
            {
                stress.RunOp();
                timeline.SampleIfDue(m);
                if (args.CheckInvariants && op % args.CheckEvery == 0)
                    m.CheckInvariants();
                if (op % reportEvery == 0)
                    bar.Report((double)op / args.Ops);
            }
        }
        if (args.CheckInvariants)
            m.CheckInvariants();
        timeline.Sample(m);
        // Wall time of boot + ops (the run itself), not of writing the reports.
        var info = new RunInfo(Name(bytes), args.Seed, wall.Elapsed.TotalSeconds, args.Ops);
        if (args.Out is not null)
            RunReports.Write(m, timeline, info, args.Out);
        if (args.Json)
        {
            stdout.Write(SummaryJson.ToJson(m, timeline, info));
            return 0;
        }
        WriteText(stdout, stress, info, args);
        return 0;
    }

    private static string Name(long bytes) => string.Create(CultureInfo.InvariantCulture, $"stress-{bytes >> 20}MiB");

    private static void WriteText(TextWriter w, StressWorkload stress, RunInfo info, Arguments args)
    {
        Machine m = stress.Machine;
        ulong managed = SummaryJson.ManagedPages(m);
        double wall = Math.Max(info.WallSeconds, 1e-9);
        var c = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(c, $"reclaimfast stress: {args.Memory}, seed {info.Seed}, {info.Ops} ops"));
        w.WriteLine(string.Create(c, $"  machine       {m.NrNodes} nodes, {m.NrCpus} cpus, {managed} managed pages ({managed * 4 / 1024} MiB), swap {stress.SwapPages} pages"));
        w.WriteLine(string.Create(c, $"  workload      {stress.TasksStarted} tasks started, burst {stress.Burst} pages/step"));
        w.WriteLine(string.Create(c, $"  simulated     {SummaryJson.SimulatedSeconds(m):F2} s ({m.Jiffies} jiffies at HZ {m.Hz})"));
        w.WriteLine(string.Create(c, $"  wall          {info.WallSeconds:F2} s, {m.StepsRun / wall:F0} steps/s, {(SummaryJson.PagesAllocated(m) + SummaryJson.PagesScanned(m)) / wall:F0} pages/s (allocated + scanned)"));
        w.WriteLine(string.Create(c, $"  host memory   {m.NativeBytes} native bytes"));
        foreach (VmEventItem e in (ReadOnlySpan<VmEventItem>)[
            VmEventItem.Pgfault, VmEventItem.Pgmajfault, VmEventItem.PgscanKswapd, VmEventItem.PgscanDirect,
            VmEventItem.PgstealKswapd, VmEventItem.PgstealDirect, VmEventItem.Pswpout, VmEventItem.Pswpin,
            VmEventItem.AllocstallNormal, VmEventItem.SlabsScanned, VmEventItem.CompactStall, VmEventItem.OomKill])
            w.WriteLine(string.Create(c, $"  {VmEvent.Text[(int)e],-22} {m.VmEvent(e)}"));
        w.WriteLine(string.Create(c, $"  {"workingset_refault",-22} {m.GlobalNodePageState(Mm.PageAlloc.NodeStatItem.WorkingsetRefault)}"));
        if (args.CheckInvariants)
            w.WriteLine(string.Create(c, $"  invariants    checked every {args.CheckEvery} ops and at the end: ok"));
        if (args.Out is not null)
            w.WriteLine($"reports written to {Path.GetFullPath(args.Out)}");
    }
}
