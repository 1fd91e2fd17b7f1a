using System;
using System.Collections.Generic;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// Fires the scenario's timeline: sleeps until the next event's time, then fires every event due, in file order.
/// Instant events (fork, exit, suspend_to_disk, force_empty, set_limit, drop_caches) run inside its step; bursts
/// (alloc_burst, slab_grow) start a task of their own so that they span several steps and kswapd interleaves.
/// </summary>
internal sealed class TimelineTask : EmulatedTask
{
    private readonly ScenarioRunner _runner;
    private readonly (ulong At, ScenarioEvent Event)[] _events;
    private int _next;

    public TimelineTask(ScenarioRunner runner, IReadOnlyList<ScenarioEvent> events, int hz)
        : base("timeline")
    {
        _runner = runner;
        _events = new (ulong, ScenarioEvent)[events.Count];
        for (int i = 0; i < events.Count; i++)
            _events[i] = (ScenarioRunner.ToJiffies(events[i].At, hz), events[i]);
        // Stable sort by time: ties keep file order.
        var order = new int[events.Count];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        Array.Sort(order, (a, b) => _events[a].At != _events[b].At ? _events[a].At.CompareTo(_events[b].At) : a.CompareTo(b));
        var sorted = new (ulong, ScenarioEvent)[order.Length];
        for (int i = 0; i < order.Length; i++)
            sorted[i] = _events[order[i]];
        _events = sorted;
    }

    /// <summary>Events fired so far.</summary>
    public int Fired => _next;

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        while (_next < _events.Length && _events[_next].At <= machine.Jiffies)
            _runner.Fire(_events[_next++].Event);
        if (_next == _events.Length)
            return -1;
        return (long)(_events[_next].At - machine.Jiffies);
    }
}

/// <summary>
/// An <c>alloc_burst</c>: allocates order-0 pages with its GFP flags, <see cref="PagesPerStep"/> a step (direct reclaim
/// and kswapd wake-ups happen inside the allocator), holds them for <c>hold</c>, then frees them. A failed allocation
/// ends the burst early (counted).
/// </summary>
internal sealed unsafe class AllocBurstTask : EmulatedTask
{
    /// <summary>Pages allocated per step.</summary>
    public const int PagesPerStep = 1024;

    private readonly uint _gfp;
    private readonly long _holdJiffies;
    private readonly nint[] _pages;
    private long _held;
    private bool _holding;

    public AllocBurstTask(string name, long pages, ScenarioGfp gfp, long holdJiffies)
        : base(name)
    {
        _gfp = gfp switch
        {
            ScenarioGfp.Atomic => Gfp.Atomic,
            ScenarioGfp.Movable => Gfp.HighUserMovable,
            _ => Gfp.Kernel,
        };
        _holdJiffies = holdJiffies;
        _pages = new nint[pages];
    }

    /// <summary>Pages obtained.</summary>
    public long PagesAllocated => _held;

    /// <summary>Allocations that failed.</summary>
    public long Failures { get; private set; }

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        if (_holding)
        {
            // The hold is over: give everything back.
            for (long i = 0; i < _held; i++)
                machine.FreePages((Page*)_pages[i], 0);
            _held = 0;
            return -1;
        }
        for (int i = 0; i < PagesPerStep && _held < _pages.Length; i++)
        {
            Page* page = machine.AllocPages(_gfp, 0, -1);
            if (page == null)
            {
                Failures++;
                break;
            }
            _pages[_held++] = (nint)page;
        }
        if (_held < _pages.Length && Failures == 0)
            return 0;
        if (_holdJiffies <= 0)
            return -1;      // held to the end of the run
        _holding = true;
        return _holdJiffies;
    }
}

/// <summary>A <c>slab_grow</c>: allocates reclaimable dentry-like objects, <see cref="ObjectsPerStep"/> a step.</summary>
internal sealed class SlabGrowTask(string name, int cache, long objects) : EmulatedTask(name)
{
    /// <summary>Objects allocated per step.</summary>
    public const int ObjectsPerStep = 4096;

    private long _done;

    /// <summary>Objects allocated so far.</summary>
    public long ObjectsAllocated => _done;

    /// <inheritdoc />
    protected internal override long Step(Machine machine)
    {
        long want = Math.Min(ObjectsPerStep, objects - _done);
        long got = machine.DentryLikeCacheGrow(cache, want);
        _done += got;
        return got < want || _done >= objects ? -1 : 0;
    }
}
