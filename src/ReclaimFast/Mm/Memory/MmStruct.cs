using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Memory;

/// <summary>The rss counters of <c>mm_struct.rss_stat</c> (include/linux/mm_types_task.h).</summary>
public enum MmCounter
{
    /// <summary>MM_FILEPAGES: resident file mapping pages.</summary>
    FilePages = 0,
    /// <summary>MM_ANONPAGES: resident anonymous pages.</summary>
    AnonPages = 1,
    /// <summary>MM_SWAPENTS: anonymous swap entries.</summary>
    SwapEnts = 2,
    /// <summary>MM_SHMEMPAGES: resident shared memory pages.</summary>
    ShmemPages = 3,
}

/// <summary>
/// Mirrors <c>struct mm_struct</c> (include/linux/mm_types.h): an address space, native. The VMA set is the
/// sorted <c>mmap</c> list; the kernel's <c>mm_rb</c> rbtree is replaced by that list plus a one-entry
/// lookup cache (the role of the per-task <c>vmacache</c>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MmStruct
{
    /// <summary>NR_MM_COUNTERS.</summary>
    public const int NrMmCounters = 4;

    /// <summary><c>mmap</c>: the lowest VMA.</summary>
    public VmAreaStruct* Mmap;
    /// <summary>Last VMA <c>find_vma</c> returned (stands in for <c>vmacache</c>).</summary>
    public VmAreaStruct* MmapCache;
    /// <summary><c>pgd</c>: the top-level table page.</summary>
    public Page* PgdPage;
    /// <summary><c>map_count</c>: number of VMAs.</summary>
    public int MapCount;
    /// <summary><c>mm_users</c>.</summary>
    public int MmUsers;
    /// <summary><c>mm_count</c>.</summary>
    public int MmCount;
    /// <summary>Emulator id (for messages and deterministic tokens).</summary>
    public int Id;
    /// <summary><c>rss_stat.count[NR_MM_COUNTERS]</c>.</summary>
    public fixed long RssStat[NrMmCounters];
    /// <summary><c>hiwater_rss</c>.</summary>
    public ulong HiwaterRss;
    /// <summary><c>total_vm</c>: mapped pages.</summary>
    public ulong TotalVm;
    /// <summary><c>locked_vm</c>: mlocked pages.</summary>
    public ulong LockedVm;
    /// <summary><c>pgtables_bytes</c>: bytes of PTE, PMD and PUD tables (mm_inc_nr_ptes/pmds/puds).</summary>
    public long PgtablesBytes;
    /// <summary><c>mmlist</c>: on the machine's swapoff list once the mm has a swap entry.</summary>
    public ListHead MmList;
    /// <summary><c>owner</c>.</summary>
    public TaskStruct* Owner;
    /// <summary>
    /// Emulator walk cache (the role of x86's paging-structure cache): <c>address &gt;&gt; PMD_SHIFT</c> of the
    /// last PTE table reached, or ulong.MaxValue. Invalidated whenever one of this mm's PTE tables is freed.
    /// </summary>
    public ulong PtCacheKey;
    /// <summary>Entries of that PTE table.</summary>
    public ulong* PtCacheTable;
}

/// <summary>Mirrors the part of <c>struct task_struct</c> memory management needs: pid, mm, scheduling CPU.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct TaskStruct
{
    /// <summary><c>pid</c>.</summary>
    public int Pid;
    /// <summary>The emulated CPU the task runs on.</summary>
    public int Cpu;
    /// <summary><c>mm</c>; null after exit.</summary>
    public MmStruct* Mm;
    /// <summary><c>real_parent</c>.</summary>
    public TaskStruct* Parent;
    /// <summary><c>tasks</c>: node on the machine's task list.</summary>
    public ListHead Tasks;
    /// <summary>Writes made by this task so far: the counter folded into each written content token.</summary>
    public ulong WriteSeq;
    /// <summary><c>signal->oom_score_adj</c>: −1000 (OOM_SCORE_ADJ_MIN, never killed) .. 1000.</summary>
    public short OomScoreAdj;
    /// <summary><c>tsk_is_oom_victim</c>: chosen by the OOM killer, its memory not yet freed.</summary>
    public bool OomVictim;
    /// <summary><c>mem_cgroup_from_task(task)</c>: the task's memory cgroup (a <c>MemCgroup*</c>; 0 = root).</summary>
    public nint MemCgroup;
    /// <summary><c>memcg_nr_pages_over_high</c>: pages charged over memory.high, reclaimed on return to user mode.</summary>
    public uint MemcgNrPagesOverHigh;
}
