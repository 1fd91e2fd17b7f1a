using System;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using ReclaimFast.Workload.Scenario;

namespace ReclaimFast.Workload.Generators;

/// <summary>
/// One scenario process: at its start time it creates its <c>task_struct</c> and mm (or takes a forked one), maps its
/// VMAs (anon, private file, shared file; MAP_LOCKED for mlock, which populates and mlocks them), then runs its
/// phases: each phase is an <see cref="AccessGenerator"/> over a VMA (accesses through the emulated MMU,
/// <c>Machine.Access</c>) or over a file (<c>read(2)</c>/<c>write(2)</c> of whole pages).
/// </summary>
/// <remarks>
/// Step granularity: a phase is owed <c>rate × (jiffies since its start + 1) / HZ</c> accesses; each time the
/// scheduler runs the task it performs what is owed, at most <see cref="MaxAccessesPerStep"/> over all phases, then
/// sleeps until the next access falls due (or stays runnable when it could not catch up). Simulated time advances one
/// jiffy per scheduled step of any task, so a task shares time with the others, and reads it waits for (page-cache
/// misses, swap-ins) make it sleep, as a process blocked on I/O would. A backlog beyond one step's worth is dropped
/// and counted (<see cref="AccessesDropped"/>): the rate is a ceiling, not a promise. The task exits when the OOM
/// killer picks it, when a fault returns VM_FAULT_OOM, or on an <c>exit</c> event; after its last phase it sleeps,
/// keeping its memory, until the end of the run.
/// </remarks>
internal sealed unsafe class ProcessTask : EmulatedTask
{
    /// <summary>Most accesses one step performs (keeps a step short, so kswapd and other tasks interleave).</summary>
    public const int MaxAccessesPerStep = 16384;

    private struct PhaseState
    {
        public AccessGenerator Gen;
        public ulong StartJiffies;
        public ulong EndJiffies;
        public double RatePerJiffy;
        public long Done;
        public int Vma;             // index into the VMAs, or −1 for a file phase
        public nint File;           // Mm.Filemap.File* of a file phase
        public bool Over;
    }

    private readonly ScenarioProcess _spec;
    private readonly nint[] _vmaFiles;
    private readonly ulong[] _vmaBase;
    private readonly long[] _vmaPages;
    private readonly PhaseState[] _phases;
    private readonly ulong _startJiffies;
    private readonly ulong _endJiffies;
    private bool _mapped;
    private int _firstPhase;

    /// <summary>
    /// Creates the task for <paramref name="spec"/>. <paramref name="files"/> are the scenario's files by name;
    /// <paramref name="hz"/> converts times; <paramref name="seed"/> seeds its phases' generators.
    /// </summary>
    public ProcessTask(ScenarioProcess spec, string name, Func<string, nint> files, int hz, ulong seed, ulong endJiffies)
        : base(name)
    {
        _spec = spec;
        PinnedCpu = spec.Cpu ?? -1;
        _startJiffies = ScenarioRunner.ToJiffies(spec.Start, hz);
        _endJiffies = endJiffies;
        _vmaFiles = new nint[spec.Vmas.Count];
        _vmaBase = new ulong[spec.Vmas.Count];
        _vmaPages = new long[spec.Vmas.Count];
        for (int i = 0; i < spec.Vmas.Count; i++)
        {
            ScenarioVma v = spec.Vmas[i];
            _vmaPages[i] = PagesOf(v.Size);
            _vmaFiles[i] = v.File is null ? 0 : files(v.File);
        }
        _phases = new PhaseState[spec.Phases.Count];
        for (int i = 0; i < _phases.Length; i++)
        {
            ScenarioPhase p = spec.Phases[i];
            int vma = -1;
            long pages;
            nint file = 0;
            if (p.Vma is not null)
            {
                for (int v = 0; v < spec.Vmas.Count; v++)
                {
                    if (spec.Vmas[v].Name == p.Vma)
                        vma = v;
                }
                pages = _vmaPages[vma];
            }
            else
            {
                file = files(p.File!);
                pages = (long)((Mm.Filemap.File*)file)->FInode->SizePages;
            }
            _phases[i] = new PhaseState
            {
                Gen = new AccessGenerator(p.Pattern, pages, seed + (ulong)i * 0x9E3779B97F4A7C15UL, p.WriteRatio, p.Theta,
                    p.HotFraction, p.HotProbability, Math.Max(1, p.Stride >> Pfn.PageShift)),
                StartJiffies = ScenarioRunner.ToJiffies(p.Start, hz),
                EndJiffies = ScenarioRunner.ToJiffies(p.End, hz),
                RatePerJiffy = p.Rate / hz,
                Vma = vma,
                File = file,
            };
        }
    }

    /// <summary>
    /// Creates the child of a fork at <paramref name="now"/>: it owns <paramref name="child"/> and runs the parent's
    /// phases from now on, at their rates (nothing is owed for the time before it existed).
    /// </summary>
    public ProcessTask(ProcessTask parent, TaskStruct* child, string name, Func<string, nint> files, int hz, ulong seed, ulong now)
        : this(parent._spec, name, files, hz, seed, parent._endJiffies)
    {
        KernelTask = child;
        Array.Copy(parent._vmaBase, _vmaBase, _vmaBase.Length);
        _mapped = true;
        for (int i = 0; i < _phases.Length; i++)
        {
            ref PhaseState p = ref _phases[i];
            if (now > p.StartJiffies)
                p.Done = (long)((Math.Min(now, p.EndJiffies) - p.StartJiffies) * p.RatePerJiffy);
        }
    }

    /// <summary>The scenario process this task runs.</summary>
    public ScenarioProcess Spec => _spec;

    /// <summary>Called once with the new task before its VMAs are mapped (memcg attachment).</summary>
    public Action<ProcessTask>? BeforeMap { get; init; }

    /// <summary>Accesses performed (page-table accesses and file reads/writes).</summary>
    public long Accesses { get; private set; }

    /// <summary>Accesses that wrote.</summary>
    public long Writes { get; private set; }

    /// <summary>Accesses dropped because the task fell more than one step behind its rate.</summary>
    public long AccessesDropped { get; private set; }

    /// <summary>File reads/writes that found no memory.</summary>
    public long FileAllocFailures { get; private set; }

    /// <summary>Whether a fault returned VM_FAULT_OOM.</summary>
    public bool FaultOom { get; private set; }

    /// <summary>Whether mapping a VMA failed (mmap returned 0).</summary>
    public bool MapFailed { get; private set; }

    /// <summary>The task's <c>task_struct</c> (null before it starts and after it exits).</summary>
    internal TaskStruct* Task => KernelTask;

    /// <summary>Base address of each VMA once mapped.</summary>
    internal ReadOnlySpan<ulong> VmaBases => _vmaBase;

    private static long PagesOf(long bytes) => (bytes + Pfn.PageSize - 1) >> Pfn.PageShift;

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        long r = RunPhases(machine);
        OverlapReads(machine);
        return r;
    }

    private long RunPhases(Machine machine)
    {
        ulong now = machine.Jiffies;
        if (!_mapped)
        {
            if (now < _startJiffies)
                return (long)(_startJiffies - now);
            if (!Map(machine))
                return -1;
        }
        TaskStruct* task = KernelTask;
        int budget = MaxAccessesPerStep;
        ulong wake = ulong.MaxValue;
        // Phases take turns going first, so that one phase's backlog cannot starve the others of the step's budget.
        int first = _firstPhase;
        _firstPhase = first + 1 >= _phases.Length ? 0 : first + 1;
        for (int j = 0; j < _phases.Length; j++)
        {
            int i = first + j < _phases.Length ? first + j : first + j - _phases.Length;
            ref PhaseState p = ref _phases[i];
            if (p.Over)
                continue;
            if (now >= p.EndJiffies)
            {
                p.Over = true;
                continue;
            }
            if (now < p.StartJiffies)
            {
                wake = Math.Min(wake, p.StartJiffies);
                continue;
            }
            long owed = (long)((now - p.StartJiffies + 1) * p.RatePerJiffy) - p.Done;
            if (owed > MaxAccessesPerStep)
            {
                AccessesDropped += owed - MaxAccessesPerStep;
                p.Done += owed - MaxAccessesPerStep;
                owed = MaxAccessesPerStep;
            }
            long n = Math.Min(owed, budget);
            for (long k = 0; k < n; k++)
            {
                if (!p.Gen.Next(out long page, out bool write))
                {
                    p.Over = true; // a one-pass pattern reached its end
                    break;
                }
                p.Done++;
                Accesses++;
                if (write)
                    Writes++;
                if (p.Vma >= 0)
                {
                    AccessResult r = machine.Access(task, _vmaBase[p.Vma] + ((ulong)page << Pfn.PageShift), write);
                    if (r != AccessResult.Ok)
                    {
                        if (r != AccessResult.OutOfMemory)
                            throw new InvalidOperationException($"process '{Name}': access to VMA '{_spec.Vmas[p.Vma].Name}' page {page} failed: {r}");
                        FaultOom = true;
                        return -1;
                    }
                }
                else
                {
                    var file = (Mm.Filemap.File*)p.File;
                    bool ok = write ? machine.FileWritePage(file, (ulong)page) : machine.FileReadPage(file, (ulong)page);
                    if (!ok)
                        FileAllocFailures++;
                }
                if (task->OomVictim)
                    return -1; // SIGKILL pending: the task dies on its way back to user mode
            }
            budget -= (int)n;
            if (p.Over)
                continue;
            if (budget == 0)
                return 0;
            // The next access falls due in the jiffy where rate × (t + 1) reaches Done + 1.
            ulong due = p.StartJiffies + (ulong)Math.Max(0, Math.Ceiling((p.Done + 1) / p.RatePerJiffy) - 1);
            wake = Math.Min(wake, Math.Min(Math.Max(due, now + 1), p.EndJiffies));
        }
        if (wake == ulong.MaxValue)
            wake = _endJiffies;         // all phases over: hold the memory until the run ends
        return wake > now ? (long)(wake - now) : 1;
    }

    /// <summary>
    /// The reads one step issued (page-cache misses, swap-ins) complete together: the task waits for the slowest, not
    /// for their sum. Simplification standing in for readahead and for a process's threads faulting in parallel;
    /// without it a step of n misses would sleep n latencies and a streaming reader could not exceed HZ pages/s.
    /// </summary>
    private static void OverlapReads(Machine machine) =>
        machine.IoJiffiesPending = Math.Min(machine.IoJiffiesPending, Math.Max(machine.PageCacheReadLatencyJiffies, machine.SwapReadLatencyJiffies));

    private bool Map(Machine machine)
    {
        if (KernelTask == null)
        {
            try
            {
                KernelTask = machine.CreateTask();
            }
            catch (InvalidOperationException)
            {
                MapFailed = true;   // exec failed: no page for the new pgd (-ENOMEM)
                return false;
            }
            KernelTask->OomScoreAdj = (short)_spec.OomScoreAdj;
        }
        machine.CurrentTaskStruct = KernelTask;
        BeforeMap?.Invoke(this);
        for (int i = 0; i < _spec.Vmas.Count; i++)
        {
            ScenarioVma v = _spec.Vmas[i];
            MapFlags flags = v.Kind switch
            {
                ScenarioVmaKind.Anon => MapFlags.Private | MapFlags.Anonymous,
                ScenarioVmaKind.PrivateFile => MapFlags.Private,
                _ => MapFlags.Shared,
            };
            if (v.Mlock)
                flags |= MapFlags.Locked;
            _vmaBase[i] = machine.DoMmap(KernelTask, 0, (ulong)_vmaPages[i] << Pfn.PageShift, VmFlags.Read | VmFlags.Write, flags,
                (Mm.Filemap.File*)_vmaFiles[i]);
            if (_vmaBase[i] == 0)
            {
                MapFailed = true;
                return false;
            }
            if (KernelTask->OomVictim)
                return false;
        }
        _mapped = true;
        return true;
    }

    /// <summary>The <c>exit</c> event: the process exits now (<c>do_exit</c>), whatever it was doing.</summary>
    internal void ExitNow(Machine machine)
    {
        if (Exited)
            return;
        Exited = true;
        if (KernelTask != null)
        {
            machine.Exit(KernelTask);
            KernelTask = null;
        }
    }
}
