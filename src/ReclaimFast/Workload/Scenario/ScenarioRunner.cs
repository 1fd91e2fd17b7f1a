using System;
using System.Collections.Generic;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Workload.Generators;

namespace ReclaimFast.Workload.Scenario;

/// <summary>The outcome of one scenario process (or a forked child of one).</summary>
/// <param name="Name">The process name (a forked child is <c>parent~N</c>).</param>
/// <param name="Accesses">Accesses performed.</param>
/// <param name="Writes">Accesses that wrote.</param>
/// <param name="AccessesDropped">Accesses dropped because the process fell behind its rate.</param>
/// <param name="OomKilled">Whether the OOM killer killed it.</param>
/// <param name="FaultOom">Whether a page fault returned VM_FAULT_OOM.</param>
/// <param name="Exited">Whether it exited before the end of the run.</param>
public readonly record struct ScenarioProcessResult(string Name, long Accesses, long Writes, long AccessesDropped, bool OomKilled, bool FaultOom, bool Exited);

/// <summary>
/// Runs a <see cref="ScenarioDefinition"/>: boots its machine (zones, CPUs, sysctls, swap devices), creates its files
/// (pre-caching what it asks), memcgs and processes, fires its timeline, and runs the event loop for its duration.
/// Same scenario and seed ⇒ bit-identical counters and <see cref="Machine.EventDigest"/>. The machine stays
/// available after the run for reports; <see cref="Dispose"/> frees it.
/// </summary>
public sealed unsafe class ScenarioRunner : IDisposable
{
    private readonly ScenarioDefinition _scenario;
    private readonly Dictionary<string, nint> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProcessTask> _processes = new(StringComparer.Ordinal);
    private readonly List<ProcessTask> _allProcesses = [];
    private readonly List<EmulatedTask> _eventTasks = [];
    private Machine? _machine;
    private int _slabCache = -1;
    private int _forks;
    private bool _ran;

    /// <summary>Creates a runner; <paramref name="seed"/>, when given, replaces the scenario's seed (<c>--seed</c>).</summary>
    public ScenarioRunner(ScenarioDefinition scenario, ulong? seed = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        Seed = seed ?? scenario.Seed;
    }

    /// <summary>The scenario.</summary>
    public ScenarioDefinition Scenario => _scenario;

    /// <summary>The seed in use.</summary>
    public ulong Seed { get; }

    /// <summary>Calls <see cref="Machine.CheckInvariants"/> after every scheduler step (slow; for debugging).</summary>
    public bool CheckInvariants { get; init; }

    /// <summary>CONFIG_DEBUG_VM of the machine (<see cref="MachineDescription.ConfigDebugVm"/>); null = its default.</summary>
    public bool? ConfigDebugVm { get; init; }

    /// <summary>
    /// Test hook: run the scenario with its memcg section (cgroups, attachments, memcg events) ignored, for builds
    /// where memory cgroups are not wired yet. Never set by the command line.
    /// </summary>
    internal bool IgnoreMemcgsForTesting { get; init; }

    /// <summary>The booted machine (after <see cref="Boot"/> or <see cref="Run"/>).</summary>
    public Machine Machine => _machine ?? throw new InvalidOperationException("the scenario's machine is not booted yet");

    /// <summary>The scenario's duration in jiffies.</summary>
    public ulong DurationJiffies => ToJiffies(_scenario.Duration, _scenario.Machine.Hz);

    /// <summary>The processes' outcomes (forked children included), in creation order.</summary>
    public IReadOnlyList<ScenarioProcessResult> ProcessResults
    {
        get
        {
            var list = new List<ScenarioProcessResult>(_allProcesses.Count);
            foreach (ProcessTask p in _allProcesses)
                list.Add(new ScenarioProcessResult(p.Name, p.Accesses, p.Writes, p.AccessesDropped, p.Killed, p.FaultOom, p.HasExited));
            return list;
        }
    }

    /// <summary>Timeline events fired so far.</summary>
    public int EventsFired { get; private set; }

    /// <summary><c>fork</c> events that found the process not running, or that failed for want of memory.</summary>
    public int ForksFailed { get; private set; }

    /// <summary>Pages <c>suspend_to_disk</c> events freed (<c>shrink_all_memory</c>'s return values, summed).</summary>
    public ulong SuspendPagesFreed { get; private set; }

    /// <summary>Simulated seconds → jiffies (rounded to the nearest jiffy).</summary>
    public static ulong ToJiffies(double seconds, int hz) => (ulong)Math.Round(seconds * hz);

    /// <summary>The <see cref="MachineDescription"/> the scenario's <c>machine</c> section describes.</summary>
    public static MachineDescription Describe(ScenarioMachine m)
    {
        if (m.Nodes is null)
        {
            MachineDescription d = MachineDescription.Default;
            return d with { NrCpus = m.Cpus ?? d.NrCpus, MinFreeKbytes = m.MinFreeKbytes, WatermarkScaleFactor = m.WatermarkScaleFactor };
        }
        var nodes = new List<NodeDescription>(m.Nodes.Count);
        ulong pfn = 0;
        foreach (ScenarioNode n in m.Nodes)
        {
            var zones = new List<ZoneDescription>(4);
            Add(zones, ZoneType.Dma, n.Dma, ref pfn);
            Add(zones, ZoneType.Dma32, n.Dma32, ref pfn);
            Add(zones, ZoneType.Normal, n.Normal, ref pfn);
            Add(zones, ZoneType.Movable, n.Movable, ref pfn);
            nodes.Add(new NodeDescription { Zones = zones });
        }
        return new MachineDescription
        {
            Nodes = nodes,
            NrCpus = m.Cpus ?? m.Nodes.Count,
            MinFreeKbytes = m.MinFreeKbytes,
            WatermarkScaleFactor = m.WatermarkScaleFactor,
        };

        static void Add(List<ZoneDescription> zones, ZoneType type, long bytes, ref ulong pfn)
        {
            if (bytes == 0)
                return;
            ulong pages = (ulong)bytes >> Pfn.PageShift;
            zones.Add(new ZoneDescription { Type = type, StartPfn = pfn, SpannedPages = pages });
            pfn += pages;
        }
    }

    /// <summary>Boots the machine and sets everything up (idempotent; <see cref="Run"/> calls it).</summary>
    public void Boot()
    {
        if (_machine is not null)
            return;
        ScenarioDefinition s = _scenario;
        ScenarioMachine sm = s.Machine;
        if (s.Memcgs.Count > 0 && !IgnoreMemcgsForTesting)
            ScenarioMemcg.EnsureAvailable(s.Source);
        Machine m;
        try
        {
            MachineDescription d = Describe(sm);
            if (ConfigDebugVm is bool debugVm)
                d = d with { ConfigDebugVm = debugVm };
            m = Machine.Boot(d);
        }
        catch (InvalidMachineDescriptionException e)
        {
            throw new ScenarioException($"{s.Source}: machine: {e.Message}", e);
        }
        _machine = m;
        try
        {
            m.ConfigureEventLoop(Seed, sm.Hz);
            m.VmSwappiness = sm.Swappiness;
            m.ZoneReclaimMode = sm.ZoneReclaimMode;
            m.LaptopMode = sm.LaptopMode;
            foreach (ScenarioSwap sw in sm.Swap)
                m.SwapOn((ulong)sw.Size >> Pfn.PageShift, sw.Priority ?? -1);

            if (!IgnoreMemcgsForTesting)
            {
                foreach (ScenarioMemcgSpec cg in s.Memcgs)
                    ScenarioMemcg.Create(m, s.Source, cg);
            }

            foreach (ScenarioFile f in s.Files)
            {
                ulong pages = ((ulong)f.Size + Pfn.PageSize - 1) >> Pfn.PageShift;
                Mm.Filemap.File* file = m.CreateFile(pages);
                _files.Add(f.Name, (nint)file);
                // Pre-cache the first part of the file, as if it had been read before the run (one read each:
                // the pages start on the inactive list).
                ulong cached = (ulong)Math.Round(f.Cached * pages);
                for (ulong i = 0; i < cached; i++)
                {
                    if (!m.FileReadPage(file, i))
                        break;
                }
                m.IoJiffiesPending = 0;
            }

            foreach (ScenarioEvent e in s.Events)
            {
                if (e.Kind == ScenarioEventKind.SlabGrow && _slabCache < 0)
                    _slabCache = m.CreateDentryLikeCache();
            }

            ulong end = DurationJiffies;
            for (int i = 0; i < s.Processes.Count; i++)
            {
                ScenarioProcess sp = s.Processes[i];
                var task = new ProcessTask(sp, sp.Name, FileOf, sm.Hz, ProcessSeed(i, 0), end) { BeforeMap = AttachMemcg };
                _processes.Add(sp.Name, task);
                _allProcesses.Add(task);
                m.AddTask(task);
            }
            if (s.Events.Count > 0)
            {
                var timeline = new TimelineTask(this, s.Events, sm.Hz);
                _eventTasks.Add(timeline);
                m.AddTask(timeline);
            }
        }
        catch
        {
            _machine = null;
            m.Dispose();
            throw;
        }
    }

    private nint FileOf(string name) => _files[name];

    private ulong ProcessSeed(int index, int fork) =>
        Seed ^ (0xD1B54A32D192ED03UL * (ulong)(index + 1)) ^ (0x8CB92BA72F3D8DD7UL * (ulong)fork);

    private void AttachMemcg(ProcessTask task)
    {
        if (task.Spec.Memcg is { } path && !IgnoreMemcgsForTesting)
            ScenarioMemcg.AttachTask(Machine, _scenario.Source, path, task);
    }

    /// <summary>
    /// Runs the scenario to its duration. <paramref name="onInterval"/>, when given, is called each time simulated time
    /// reaches a multiple of <paramref name="intervalJiffies"/> (and once at the end) with the machine and the fraction
    /// of the run done (0..1]. Time moves by whole steps, so a call comes at the first step boundary at or past the
    /// multiple (read <see cref="Machine.Jiffies"/> for the exact time); when one step crosses several multiples (every
    /// task asleep, or a long sleep inside reclaim) there is one call for them. Simulated time can end a little past the
    /// duration, by the length of the last step.
    /// </summary>
    public void Run(Action<Machine, double>? onInterval = null, ulong intervalJiffies = 0)
    {
        if (_ran)
            throw new InvalidOperationException("a scenario runs once; create another runner to run it again");
        _ran = true;
        Boot();
        Machine m = _machine!;
        ulong end = DurationJiffies;
        ulong interval = onInterval is not null && intervalJiffies > 0 ? intervalJiffies : end;
        ulong next = Math.Min(interval, end);
        double lastReported = -1;
        while (m.Jiffies < end)
        {
            ulong target = Math.Min(next, end);
            if (CheckInvariants)
            {
                m.CheckInvariants();
                while (m.Jiffies < target && m.RunStep())
                    m.CheckInvariants();
            }
            else
            {
                m.RunUntil(target);
            }
            if (m.Jiffies < target)
                break;      // idle for good: nothing runnable and no timer pending
            if (onInterval is not null)
            {
                double done = Math.Min(1.0, (double)m.Jiffies / end);
                onInterval(m, done);
                lastReported = done;
            }
            while (next <= m.Jiffies)
                next += interval;
        }
        if (onInterval is not null && lastReported < 1.0)
            onInterval(m, 1.0);
    }

    /// <summary>Fires one timeline event (called by the timeline task at its time).</summary>
    internal void Fire(ScenarioEvent e)
    {
        Machine m = Machine;
        int hz = _scenario.Machine.Hz;
        EventsFired++;
        switch (e.Kind)
        {
            case ScenarioEventKind.AllocBurst:
                var burst = new AllocBurstTask($"alloc_burst@{e.At:0.###}s", e.Size >> Pfn.PageShift, e.Gfp,
                    e.Hold is double h ? (long)Math.Max(1, ToJiffies(h, hz)) : 0);
                _eventTasks.Add(burst);
                m.AddTask(burst);
                break;
            case ScenarioEventKind.SlabGrow:
                var grow = new SlabGrowTask($"slab_grow@{e.At:0.###}s", _slabCache, e.Objects);
                _eventTasks.Add(grow);
                m.AddTask(grow);
                break;
            case ScenarioEventKind.Fork:
                Fork(_processes[e.Process!]);
                break;
            case ScenarioEventKind.Exit:
                _processes[e.Process!].ExitNow(m);
                break;
            case ScenarioEventKind.SuspendToDisk:
                SuspendPagesFreed += m.SuspendToDisk((ulong)e.Size >> Pfn.PageShift);
                break;
            case ScenarioEventKind.DropCaches:
                m.DropCaches((int)e.Value);
                break;
            case ScenarioEventKind.ForceEmpty:
                if (!IgnoreMemcgsForTesting)
                    ScenarioMemcg.ForceEmpty(m, _scenario.Source, e.Memcg!);
                break;
            case ScenarioEventKind.SetLimit:
                if (!IgnoreMemcgsForTesting)
                    ScenarioMemcg.SetKnob(m, _scenario.Source, e.Memcg!, e.Knob, e.Value);
                break;
        }
    }

    /// <summary>A <c>fork</c> event: a process that is running forks; the child runs its phases from now on.</summary>
    private void Fork(ProcessTask parent)
    {
        if (parent.HasExited || parent.Task == null)
        {
            ForksFailed++;  // not started yet, or gone: nothing to fork
            return;
        }
        Machine m = Machine;
        Mm.Memory.TaskStruct* child = m.Fork(parent.Task);
        if (child == null)
        {
            ForksFailed++;  // -ENOMEM
            return;
        }
        child->OomScoreAdj = parent.Task->OomScoreAdj;
        int n = ++_forks;
        int index = _allProcesses.IndexOf(parent);
        var task = new ProcessTask(parent, child, $"{parent.Name}~{n}", FileOf, _scenario.Machine.Hz, ProcessSeed(index, n), m.Jiffies);
        _allProcesses.Add(task);
        m.AddTask(task);
        AttachMemcg(task);  // the child starts in its parent's cgroup, as cgroup_post_fork puts it
    }

    /// <summary>Frees the machine.</summary>
    public void Dispose()
    {
        _machine?.Dispose();
        _machine = null;
    }
}
