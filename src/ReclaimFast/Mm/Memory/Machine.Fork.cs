using System;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// kernel/fork.c and kernel/exit.c, the memory part: tasks, mm_struct lifetime, dup_mmap, exit_mmap.
public sealed unsafe partial class Machine
{
    /// <summary>Creates a task with a fresh, empty address space (an exec'd process).</summary>
    internal TaskStruct* CreateTask()
    {
        EnsureMmState();
        MmStruct* mm = MmAlloc();
        if (mm == null)
            throw new InvalidOperationException("out of memory: no page for a new pgd");
        return NewTask(mm, null);
    }

    private TaskStruct* NewTask(MmStruct* mm, TaskStruct* parent)
    {
        TaskStruct* t = _taskPool.Alloc();
        t->Pid = _nextPid++;
        t->Mm = mm;
        t->Parent = parent;
        t->Cpu = CurrentCpu;
        mm->Owner = t;
        ListHead.AddTail(&t->Tasks, _taskList);
        MemcgTaskCreated(t, parent);
        return t;
    }

    /// <summary><c>mm_alloc</c> + <c>mm_init</c>: counters zero, one user, a pgd.</summary>
    private MmStruct* MmAlloc()
    {
        MmStruct* mm = _mmPool.Alloc();
        mm->MmUsers = 1;
        mm->MmCount = 1;
        mm->Id = _nextMmId++;
        mm->PtCacheKey = ulong.MaxValue;
        ListHead.Init(&mm->MmList);
        if (!PgdAlloc(mm))
        {
            _mmPool.Free(mm);
            return null;
        }
        return mm;
    }

    /// <summary>
    /// <c>fork</c> (<c>copy_process</c> → <c>copy_mm</c> → <c>dup_mm</c>): the child gets a copy of every VMA
    /// but VM_DONTCOPY ones, unlocked, chained to the parent's anon_vmas (<c>anon_vma_fork</c>), linked into
    /// the file's <c>i_mmap</c> right after the parent's, and its PTEs copied (<c>copy_page_range</c>).
    /// Returns null when memory runs out.
    /// </summary>
    internal TaskStruct* Fork(TaskStruct* parent)
    {
        MmStruct* oldmm = parent->Mm;
        MmStruct* mm = MmAlloc();
        if (mm == null)
            return null;
        mm->TotalVm = oldmm->TotalVm;
        VmAreaStruct* prev = null;
        for (VmAreaStruct* mpnt = oldmm->Mmap; mpnt != null; mpnt = mpnt->VmNext)
        {
            if ((mpnt->VmFlags & VmFlags.DontCopy) != 0)
            {
                mm->TotalVm -= mpnt->Pages;
                continue;
            }
            VmAreaStruct* tmp = VmAreaDup(mpnt);
            tmp->VmMm = mm;
            AnonVmaFork(tmp, mpnt);
            tmp->VmFlags &= ~VmFlags.LockedMask;
            tmp->VmNext = tmp->VmPrev = null;
            Mm.Filemap.File* file = tmp->VmFile;
            if (file != null)
            {
                file->FCount++;
                if ((tmp->VmFlags & VmFlags.Shared) != 0)
                    file->FMapping->IMmapWritable++;
                VmaIntervalTreeInsertAfter(tmp, mpnt);
            }
            __VmaLinkList(mm, tmp, prev);
            prev = tmp;
            mm->MapCount++;
            if (CopyPageRange(mm, oldmm, mpnt) != 0)
            {
                MmPut(mm);
                return null;
            }
        }
        return NewTask(mm, parent);
    }

    /// <summary><c>do_exit</c> → <c>exit_mm</c> → <c>mmput</c>; the task is reaped at once.</summary>
    internal void Exit(TaskStruct* task)
    {
        MmStruct* mm = task->Mm;
        task->Mm = null;
        MmPut(mm);
        MemcgTaskExit(task);
        ListHead.Del(&task->Tasks);
        _taskPool.Free(task);
    }

    /// <summary><c>mmput</c>: the last user tears the address space down (<c>__mmput</c>).</summary>
    private void MmPut(MmStruct* mm)
    {
        if (--mm->MmUsers != 0)
            return;
        ExitMmap(mm);
        if (!ListHead.Empty(&mm->MmList))
            ListHead.DelInit(&mm->MmList);
        MmDrop(mm);
    }

    /// <summary><c>mmdrop</c> → <c>__mmdrop</c>: free the pgd, <c>check_mm</c>, free the mm.</summary>
    private void MmDrop(MmStruct* mm)
    {
        if (--mm->MmCount != 0)
            return;
        PgdFree(mm);
        for (int i = 0; i < MmStruct.NrMmCounters; i++)
        {
            if (mm->RssStat[i] != 0)
                throw new InvalidOperationException($"BUG: Bad rss-counter state mm:{mm->Id} type:{(MmCounter)i} val:{mm->RssStat[i]}");
        }
        if (mm->PgtablesBytes != 0)
            throw new InvalidOperationException($"BUG: non-zero pgtables_bytes on freeing mm {mm->Id}: {mm->PgtablesBytes}");
        _mmPool.Free(mm);
    }

    /// <summary>
    /// <c>exit_mmap</c>: munlock locked VMAs, zap everything, free all page tables below the pgd, free the VMAs.
    /// </summary>
    private void ExitMmap(MmStruct* mm)
    {
        if (mm->LockedVm != 0)
        {
            for (VmAreaStruct* v = mm->Mmap; v != null; v = v->VmNext)
            {
                if ((v->VmFlags & VmFlags.Locked) != 0)
                    MunlockVmaPagesRange(v, v->VmStart, v->VmEnd);
            }
        }
        VmAreaStruct* vma = mm->Mmap;
        if (vma == null)
            return;
        UnmapVmas(vma, 0, ulong.MaxValue);
        FreePgtables(mm, vma, 0, 0);
        while (vma != null)
        {
            mm->TotalVm -= vma->Pages;
            vma = RemoveVma(vma);
        }
        mm->Mmap = null;
        mm->MmapCache = null;
        mm->MapCount = 0;
    }
}
