using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// mm/oom_kill.c: victim selection by badness and the kill (the victim's memory is freed as exit frees it).
public sealed unsafe partial class Machine
{
    /// <summary>OOM_SCORE_ADJ_MIN: a task with this adjustment is never chosen.</summary>
    internal const short OomScoreAdjMin = -1000;

    private long _oomNoVictim;
    private TaskStruct* _currentTaskStruct;

    /// <summary>OOM invocations that found no killable task (the kernel panics: "System is deadlocked on memory").</summary>
    public long OomNoVictim => _oomNoVictim;

    /// <summary>The process (task_struct with an mm) the running workload task is, or null (kernel threads, tests).</summary>
    internal TaskStruct* CurrentTaskStruct
    {
        get => _currentTaskStruct;
        set => _currentTaskStruct = value;
    }

    /// <summary>
    /// Mirrors <c>oom_badness(p, totalpages)</c> (v5.4): 0 for tasks without an mm or at OOM_SCORE_ADJ_MIN; else rss +
    /// swap entries + page-table pages, plus oom_score_adj · totalpages / 1000, at least 1.
    /// </summary>
    internal static long OomBadness(TaskStruct* p, ulong totalpages)
    {
        MmStruct* mm = p->Mm;
        if (mm == null)
            return 0;
        long adj = p->OomScoreAdj;
        if (adj == OomScoreAdjMin)
            return 0;
        long points = (long)GetMmRss(mm) + mm->RssStat[(int)MmCounter.SwapEnts] + mm->PgtablesBytes / Pfn.PageSize;
        adj *= (long)(totalpages / 1000);
        points += adj;
        return points > 0 ? points : 1;
    }

    /// <summary>
    /// Mirrors <c>out_of_memory</c> for global OOM (constraint NONE: totalpages = totalram + total swap): a current
    /// task that is already a victim just gets to use the reserves; otherwise <c>select_bad_process</c> picks the task
    /// with the highest badness (ties go to the later task on the list; an unreaped victim aborts the selection) and
    /// <c>oom_kill_process</c> kills it. True when a victim exists. Departures: a !__GFP_FS request returns false
    /// instead of the kernel's true (which counts on other tasks making progress, impossible within one emulated step),
    /// and with no killable task the allocation fails where the kernel panics.
    /// </summary>
    /// <remarks>
    /// With <paramref name="memcg"/> set this is the memcg OOM (CONSTRAINT_MEMCG, from mem_cgroup_out_of_memory): no
    /// __GFP_FS bail-out, totalpages = mem_cgroup_get_max, and only tasks of the group's subtree are candidates
    /// (mem_cgroup_scan_tasks); returns false when none is killable (no panic for a memcg OOM).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool OutOfMemory(uint gfpMask, int order, nint memcg = 0)
    {
        _oomInvocations++;
        // task_will_free_mem(current): a victim's exit frees its memory; let it have the reserves meanwhile.
        if (_currentTaskStruct != null && _currentTaskStruct->OomVictim)
            return true;
        if (memcg == 0 && gfpMask != 0 && (gfpMask & Gfp.Fs) == 0)
            return false;
        if (!MmStateReady)
        {
            _oomNoVictim++;
            return false;
        }
        ulong totalpages = memcg != 0 ? MemCgroupGetMax((Mm.Memcontrol.MemCgroup*)memcg) : TotalramPages() + (ulong)TotalSwapPages;
        TaskStruct* chosen = null;
        long chosenPoints = 0;
        ListHead* head = TaskList;
        TaskStruct probe;
        nint tasksOffset = (nint)((byte*)&probe.Tasks - (byte*)&probe);      // list_entry(pos, struct task_struct, tasks)
        for (ListHead* pos = head->Next; pos != head; pos = pos->Next)
        {
            TaskStruct* task = (TaskStruct*)((byte*)pos - tasksOffset);
            if (memcg != 0 && !TaskInMemcgSubtree(task, memcg))
                continue;
            if (task->OomVictim && task->Mm != null)
                return true;        // oom_evaluate_task: a victim is still exiting; abort and let it finish
            long points = OomBadness(task, totalpages);
            if (points == 0 || points < chosenPoints)
                continue;
            chosen = task;
            chosenPoints = points;
        }
        if (chosen == null)
        {
            _oomNoVictim++;
            return false;
        }
        OomKillProcess(chosen);
        return true;
    }

    /// <summary>
    /// <c>oom_kill_process</c> → <c>__oom_kill_process</c>: <c>mark_oom_victim</c> (tracepoint mark_victim), OOM_KILL++,
    /// SIGKILL. The running task dies when its step ends (the kernel's return to user mode); any other victim exits
    /// now (what the oom_reaper and exit do: the address space is torn down and its memory freed).
    /// </summary>
    private void OomKillProcess(TaskStruct* victim)
    {
        victim->OomVictim = true;
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mark_victim(victim->Pid);
        TraceEvent(EntryEvent.OomKill, victim->Pid, 0, 0);
        CountVmEvent(VmEventItem.OomKill);
        MemcgMemoryEventTask(victim, Mm.Memcontrol.MemcgEventItem.OomKill);
        if (victim == _currentTaskStruct)
        {
            _currentIsOomVictim = true;
            return;
        }
        KillTaskNow(victim);
    }

    /// <summary>Exits a killed task that is not running: its workload task (if any) stops, its memory is freed.</summary>
    private void KillTaskNow(TaskStruct* victim)
    {
        for (int i = 0; i < _nrTasks; i++)
        {
            EmulatedTask t = _tasks[i];
            if (t.KernelTask == victim)
            {
                t.Exited = true;
                t.Killed = true;
                t.KernelTask = null;
            }
        }
        Exit(victim);
    }
}
