using System;
using System.Runtime.CompilerServices;

// Machine partial: simulated time, the timer queue and the cooperative scheduler.
namespace ReclaimFast;

/// <summary>
/// A cooperative emulated task (a process or thread of the workload). The scheduler calls <see cref="Step"/> once per
/// scheduling decision with the task current on an emulated CPU.
/// </summary>
public abstract unsafe class EmulatedTask
{
    /// <summary>Creates a task with a display name.</summary>
    protected EmulatedTask(string name) => Name = name;

    /// <summary>The task's name (<c>comm</c>).</summary>
    public string Name { get; }

    /// <summary>The task id the machine gave it (<c>pid</c>), −1 before <see cref="Machine.AddTask"/>.</summary>
    public int Pid { get; internal set; } = -1;

    /// <summary>The emulated CPU the task is pinned to, or −1 to let the scheduler place it.</summary>
    public int PinnedCpu { get; init; } = -1;

    /// <summary><c>current->flags</c> of this task while it is not running (PF_* of <see cref="TaskFlags"/>).</summary>
    public uint Flags { get; set; }

    /// <summary>Steps this task has run.</summary>
    public long StepsRun { get; internal set; }

    internal bool Exited;
    internal bool Sleeping;

    /// <summary>The process this task is (its <c>task_struct</c> with an mm), or null for tasks without one.</summary>
    internal Mm.Memory.TaskStruct* KernelTask;

    /// <summary>Whether the OOM killer killed this task.</summary>
    public bool Killed { get; internal set; }

    /// <summary>Whether the task has exited (finished or killed).</summary>
    public bool HasExited => Exited;

    /// <summary>
    /// Runs one step to completion (one access or one allocation burst, including any direct reclaim it triggers).
    /// Returns 0 to stay runnable, n &gt; 0 to sleep n jiffies, or a negative value to exit.
    /// </summary>
    protected internal abstract long Step(Machine machine);
}

/// <summary>
/// Kinds of traced entry-point events folded into <see cref="Machine.EventDigest"/> (the tracepoints this issue emits).
/// </summary>
internal enum EntryEvent
{
    KswapdSleep = 1,
    KswapdWake,
    WakeupKswapd,
    DirectReclaimBegin,
    DirectReclaimEnd,
    NodeReclaimBegin,
    NodeReclaimEnd,
    Schedule,
    Timer,
    AllocFail,
    OomKill,
    WakeupKcompactd,
    KcompactdWake,
    KcompactdSleep,
}

/// <summary>
/// The execution model (a deliberate simplification of the kernel's): time is simulated in jiffies (HZ configurable,
/// default 250) and advances by one jiffy per scheduled step, plus whatever a step sleeps inside reclaim
/// (<c>congestion_wait</c>, <c>throttle_direct_reclaim</c>): such sleeps advance simulated time and are counted, and
/// writes falling due meanwhile complete (completions are interrupts), but they never switch tasks mid-step. Reads a
/// step issues (page-cache and swap-in latency, <c>IoJiffiesPending</c>) make the task sleep that long after its step.
/// A step runs to completion as plain method calls: a workload step is one access or allocation burst including the
/// direct reclaim it triggers; a kswapd step is one <c>kswapd_try_to_sleep</c> decision or one priority iteration of
/// <c>balance_pgdat</c>, so workload steps interleave with kswapd's priority loop and the two compete for pages.
/// <c>wakeup_kswapd</c> only makes kswapd runnable. Timers (kswapd's HZ/10 short sleep, task sleeps, writeback
/// completion) are ordered by (jiffies, sequence number). The scheduler picks uniformly among the runnable tasks
/// (kswapds by node, then workload tasks by pid, then woken kcompactds by node) with the machine's one seeded RNG and
/// places the task on an emulated CPU (kswapd and kcompactd on their node's first CPU). No wall clock is read.
/// </summary>
public sealed unsafe partial class Machine
{
    private struct Timer
    {
        public ulong Expires;
        public ulong Seq;
        public int Kind;
        public int Arg;
        public ulong Gen;
    }

    private const int TimerKswapd = 1, TimerTaskWake = 2, TimerIo = 3, TimerCacheReap = 4;

    private ulong _jiffies;
    private int _hz = 250;
    private ulong _rngState = 0x9E3779B97F4A7C15UL;
    private Timer[] _timers = new Timer[64];     // binary min-heap on (Expires, Seq); grows by doubling (rare)
    private int _nrTimers;
    private ulong _timerSeq;
    private EmulatedTask[] _tasks = new EmulatedTask[8];
    private int _nrTasks;
    private int[] _runnable = new int[16];
    private bool _ioTimerArmed;
    private ulong _ioTimerExpires;
    private ulong _ioTimerGen;
    private int _ioLatencyJiffies = 5;
    private long _simulatedSleeps;
    private ulong _eventDigest = 14695981039346656037UL;
    private long _tracedEvents;
    private long _steps;
    private readonly long[] _traceCounts = new long[16];

    /// <summary><c>jiffies</c>: simulated time.</summary>
    public ulong Jiffies => _jiffies;

    /// <summary><c>HZ</c>: jiffies per simulated second (default 250).</summary>
    public int Hz => _hz;

    /// <summary>Scheduler steps run so far.</summary>
    public long StepsRun => _steps;

    /// <summary>Sleeps inside reclaim that advanced simulated time (congestion_wait, throttling).</summary>
    public long SimulatedSleeps => _simulatedSleeps;

    /// <summary>A digest (FNV-1a) of every traced entry-point event and scheduling decision, in order.</summary>
    public ulong EventDigest => _eventDigest;

    /// <summary>Number of events folded into <see cref="EventDigest"/>.</summary>
    public long TracedEvents => _tracedEvents;

    /// <summary>The workload tasks added so far, by pid.</summary>
    public ReadOnlySpan<EmulatedTask> Tasks => new(_tasks, 0, _nrTasks);

    /// <summary>
    /// Seeds the scheduler's RNG and sets HZ and the simulated writeback latency (in jiffies). Call before running.
    /// </summary>
    public void ConfigureEventLoop(ulong seed, int hz = 250, int ioLatencyJiffies = 5)
    {
        if (hz < 10 || hz > 10000)
            throw new ArgumentOutOfRangeException(nameof(hz), hz, "HZ is 10..10000");
        if (ioLatencyJiffies < 1)
            throw new ArgumentOutOfRangeException(nameof(ioLatencyJiffies), ioLatencyJiffies, "at least 1 jiffy");
        _hz = hz;
        _ioLatencyJiffies = ioLatencyJiffies;
        // splitmix64 of the seed, so nearby seeds give unrelated streams; never 0 (xorshift's fixed point).
        _rngState = SplitMix64(seed) | 1;
    }

    /// <summary>kswapd's short sleep: HZ/10.</summary>
    private long ShortSleepJiffies => Math.Max(1, _hz / 10);

    /// <summary>Adds a workload task (runnable at once); returns its pid.</summary>
    public int AddTask(EmulatedTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Pid >= 0)
            throw new InvalidOperationException($"task '{task.Name}' already belongs to a machine");
        if (task.PinnedCpu >= _nrCpus)
            throw new ArgumentOutOfRangeException(nameof(task), task.PinnedCpu, $"pinned CPU must be −1 or 0..{_nrCpus - 1}");
        if (_nrTasks == _tasks.Length)
            Array.Resize(ref _tasks, _nrTasks * 2);
        task.Pid = _nrTasks;
        _tasks[_nrTasks++] = task;
        ArmCacheReap();
        return task.Pid;
    }

    /// <summary>
    /// Runs one scheduling decision: fires due timers; if nothing is runnable, advances time to the next timer;
    /// then runs one step of a task picked by the seeded RNG. Returns false when nothing is runnable and no timer is
    /// pending (the machine is idle for good).
    /// </summary>
    public bool RunStep()
    {
        int n;
        while (true)
        {
            FireDueTimers();
            n = CollectRunnable();
            if (n != 0)
                break;
            if (_nrTimers == 0)
                return false;
            _jiffies = _timers[0].Expires;
        }
        int pick = (int)(NextRandom() % (ulong)n);
        int id = _runnable[pick];
        TraceEvent(EntryEvent.Schedule, id, (int)_jiffies, 0);
        _steps++;
        if (id < 0)
            RunKcompactdStep(~id);
        else if (id < _nrNodes)
            RunKswapdStep(id);
        else
            RunTaskStep(_tasks[id - _nrNodes]);
        _jiffies++;
        ArmIoTimer();
        return true;
    }

    /// <summary>Writes were submitted: their completion comes after the simulated I/O latency.</summary>
    private void ArmIoTimer()
    {
        if (_pendingIoCount != 0 && !_ioTimerArmed)
        {
            _ioTimerArmed = true;
            _ioTimerExpires = _jiffies + (ulong)_ioLatencyJiffies;
            AddTimer(_ioTimerExpires, TimerIo, 0, _ioTimerGen);
        }
    }

    /// <summary>Runs up to <paramref name="maxSteps"/> steps; returns how many ran.</summary>
    public long Run(long maxSteps)
    {
        long i = 0;
        while (i < maxSteps && RunStep())
            i++;
        return i;
    }

    /// <summary>Runs until simulated time reaches <paramref name="jiffies"/> or the machine is idle.</summary>
    public void RunUntil(ulong jiffies)
    {
        while (_jiffies < jiffies && RunStep())
        {
        }
    }

    /// <summary>Runs one step of node <paramref name="nid"/>'s kswapd as the current task on its node's CPU.</summary>
    internal void RunKswapdStep(int nid)
    {
        int savedCpu = _currentCpu;
        uint savedFlags = _currentTaskFlags;
        SwitchCpu(FirstCpuOfNode(nid));
        _currentTaskFlags = TaskFlags.Memalloc | TaskFlags.Swapwrite | TaskFlags.Kswapd | TaskFlags.Kthread;
        _currentIsKswapd = true;
        long timeout = KswapdStep(nid);
        _currentIsKswapd = false;
        _currentTaskFlags = savedFlags;
        SwitchCpu(savedCpu);
        if (timeout > 0)
            AddTimer(_jiffies + (ulong)timeout, TimerKswapd, nid, KswapdTimerGeneration(nid));
    }

    private void RunTaskStep(EmulatedTask task)
    {
        int savedCpu = _currentCpu;
        uint savedFlags = _currentTaskFlags;
        SwitchCpu(task.PinnedCpu >= 0 ? task.PinnedCpu : (int)(NextRandom() % (ulong)_nrCpus));
        _currentTaskFlags = task.Flags;
        IoJiffiesPending = 0;
        _currentTaskStruct = task.KernelTask;
        _currentIsOomVictim = task.KernelTask != null && task.KernelTask->OomVictim;
        _runningTask = task;
        long r = task.Step(this);
        _runningTask = null;
        // Return to user mode: mem_cgroup_handle_over_high (reclaim over memory.high, then the throttling sleep).
        if (_rootMemCgroup != null && r >= 0)
        {
            long penalty = MemCgroupHandleOverHigh();
            if (penalty > r)
                r = penalty;
        }
        task.Flags = _currentTaskFlags;
        // Reads (page cache, swap-in) issued by the step: the task waits for them before it runs again.
        if (r == 0 && IoJiffiesPending > 0)
            r = IoJiffiesPending;
        IoJiffiesPending = 0;
        task.StepsRun++;
        _currentTaskFlags = savedFlags;
        SwitchCpu(savedCpu);
        // A task the OOM killer chose while it ran dies on its way back to user mode.
        if (task.KernelTask != null && task.KernelTask->OomVictim)
        {
            task.Killed = true;
            r = -1;
        }
        _currentTaskStruct = null;
        _currentIsOomVictim = false;
        if (_rootMemCgroup != null)
            MemcgReapOffline();
        if (r < 0)
        {
            task.Exited = true;
            if (task.KernelTask != null)
            {
                Exit(task.KernelTask);   // do_exit: the address space goes
                task.KernelTask = null;
            }
        }
        else if (r > 0)
        {
            task.Sleeping = true;
            AddTimer(_jiffies + (ulong)r, TimerTaskWake, task.Pid, 0);
        }
    }

    private int FirstCpuOfNode(int nid)
    {
        for (int c = 0; c < _nrCpus; c++)
        {
            if (_cpuToNode[c] == nid)
                return c;
        }
        return 0;   // a memory-only node: its kswapd runs anywhere
    }

    private int CollectRunnable()
    {
        int need = 2 * _nrNodes + _nrTasks;
        if (_runnable.Length < need)
            Array.Resize(ref _runnable, need * 2);
        int n = 0;
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            if (KswapdRunnable(nid))
                _runnable[n++] = nid;
        }
        for (int t = 0; t < _nrTasks; t++)
        {
            EmulatedTask task = _tasks[t];
            if (!task.Exited && !task.Sleeping)
                _runnable[n++] = _nrNodes + t;
        }
        // kcompactd last (encoded ~nid), so a machine whose kcompactds sleep schedules exactly as before.
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            if (!_kcompactd[nid].Sleeping)
                _runnable[n++] = ~nid;
        }
        return n;
    }

    private void FireDueTimers()
    {
        while (_nrTimers != 0 && _timers[0].Expires <= _jiffies)
        {
            Timer t = PopTimer();
            TraceEvent(EntryEvent.Timer, t.Kind, t.Arg, (int)t.Expires);
            switch (t.Kind)
            {
                case TimerKswapd:
                    KswapdShortSleepTimeout(t.Arg, t.Gen);
                    break;
                case TimerTaskWake:
                    _tasks[t.Arg].Sleeping = false;
                    break;
                case TimerCacheReap:
                    CacheReapTimer(t.Arg);
                    break;
                case TimerWriteback:
                    WritebackTimer(t.Gen);
                    ArmIoTimer(); // the flusher's writes complete after the I/O latency
                    break;
                case TimerIo:
                    // The block layer's completion: end_page_writeback on every write queued so far.
                    if (t.Gen != _ioTimerGen)
                        break;      // already completed during a sleep inside reclaim
                    _ioTimerArmed = false;
                    _ioTimerGen++;
                    CompletePendingIo();
                    break;
            }
        }
    }

    /// <summary>
    /// A sleep inside reclaim (<c>congestion_wait</c>, <c>schedule_timeout</c> of a throttled reclaimer): the current
    /// step goes on, simulated time advances by <paramref name="timeout"/> jiffies, and the sleep is counted.
    /// </summary>
    internal void SimulatedSleep(long timeout)
    {
        _simulatedSleeps++;
        PassTimeAsleep(timeout);
    }

    /// <summary>Simulated time passes while the current step sleeps: writes due by then complete (interrupts).</summary>
    private void PassTimeAsleep(long timeout)
    {
        ulong start = _jiffies;
        _jiffies += (ulong)timeout;
        // I/O completions are interrupts, not tasks: writes due by the end of the sleep complete during it.
        if (_pendingIoCount != 0)
        {
            ulong due = _ioTimerArmed ? _ioTimerExpires : start + (ulong)_ioLatencyJiffies;
            if (due <= _jiffies)
            {
                _ioTimerArmed = false;
                _ioTimerGen++;
                CompletePendingIo();
            }
        }
    }

    private void AddTimer(ulong expires, int kind, int arg, ulong gen)
    {
        if (_nrTimers == _timers.Length)
            Array.Resize(ref _timers, _nrTimers * 2);
        int i = _nrTimers++;
        var t = new Timer { Expires = expires, Seq = _timerSeq++, Kind = kind, Arg = arg, Gen = gen };
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!TimerBefore(ref t, ref _timers[parent]))
                break;
            _timers[i] = _timers[parent];
            i = parent;
        }
        _timers[i] = t;
    }

    private Timer PopTimer()
    {
        Timer top = _timers[0];
        Timer last = _timers[--_nrTimers];
        int i = 0;
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _nrTimers)
                break;
            if (child + 1 < _nrTimers && TimerBefore(ref _timers[child + 1], ref _timers[child]))
                child++;
            if (!TimerBefore(ref _timers[child], ref last))
                break;
            _timers[i] = _timers[child];
            i = child;
        }
        if (_nrTimers != 0)
            _timers[i] = last;
        return top;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TimerBefore(ref Timer a, ref Timer b) =>
        a.Expires < b.Expires || (a.Expires == b.Expires && a.Seq < b.Seq);

    /// <summary>The machine's one RNG (xorshift64*), seeded by <see cref="ConfigureEventLoop"/>.</summary>
    internal ulong NextRandom()
    {
        ulong x = _rngState;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _rngState = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    private static ulong SplitMix64(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>How many events of <paramref name="kind"/> were traced.</summary>
    internal long TraceCount(EntryEvent kind) => _traceCounts[(int)kind];

    /// <summary>Folds one traced event into <see cref="EventDigest"/> (FNV-1a over its kind and fields).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void TraceEvent(EntryEvent kind, int a, int b, int c)
    {
        ulong h = _eventDigest;
        h = (h ^ (uint)kind) * 1099511628211UL;
        h = (h ^ (uint)a) * 1099511628211UL;
        h = (h ^ (uint)b) * 1099511628211UL;
        h = (h ^ (uint)c) * 1099511628211UL;
        _eventDigest = h;
        _tracedEvents++;
        _traceCounts[(int)kind]++;
    }
}
