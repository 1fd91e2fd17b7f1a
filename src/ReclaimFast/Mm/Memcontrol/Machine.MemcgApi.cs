using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// The cgroup filesystem side of memcg: mkdir/rmdir (css online/offline), cgroup.procs, the memory.* knobs and
// memory.force_empty, addressed by path ("/" is the root, "/a/b" a child of "/a").
public sealed unsafe partial class Machine
{
    private Dictionary<string, nint>? _memcgByPath;
    private Dictionary<EmulatedTask, nint>? _memcgPendingAttach;
    private EmulatedTask? _runningTask;

    private static string NormalizeMemcgPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/')
            throw new ArgumentException($"memcg '{path}': a path starts with '/'", nameof(path));
        if (path.Length > 1 && path[^1] == '/')
            path = path.TrimEnd('/');
        if (path.Length == 0)
            path = "/";
        if (path.Contains("//", StringComparison.Ordinal))
            throw new ArgumentException($"memcg '{path}': empty path component", nameof(path));
        return path;
    }

    private static string ParentPath(string path)
    {
        int i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }

    private MemCgroup* LookupMemcg(string path)
    {
        path = NormalizeMemcgPath(path);
        if (path == "/")
        {
            if (_rootMemCgroup == null)
                MemcontrolInit();
            return _rootMemCgroup;
        }
        if (_memcgByPath != null && _memcgByPath.TryGetValue(path, out nint m))
            return (MemCgroup*)m;
        ThrowNoMemcg(path);
        return null;
    }

    [DoesNotReturn]
    private static void ThrowNoMemcg(string path) => throw new ArgumentException($"memcg '{path}': does not exist", nameof(path));

    private string? MemcgPathOf(MemCgroup* memcg)
    {
        if (_memcgByPath == null)
            return null;
        foreach (KeyValuePair<string, nint> kv in _memcgByPath)
        {
            if (kv.Value == (nint)memcg)
                return kv.Key;
        }
        return null;
    }

    /// <summary>
    /// mkdir in the memory cgroup hierarchy (<c>mem_cgroup_css_alloc</c> + <c>css_online</c>): a new online group
    /// under an existing parent, with unlimited max/high/swap.max, no protection, and a lruvec on every node.
    /// </summary>
    public void MemCgroupCreate(string path)
    {
        path = NormalizeMemcgPath(path);
        if (path == "/")
            throw new ArgumentException("memcg '/': the root always exists", nameof(path));
        if (_rootMemCgroup == null)
            MemcontrolInit();
        MemcgReapOffline();
        _memcgByPath ??= new Dictionary<string, nint>(StringComparer.Ordinal);
        if (_memcgByPath.ContainsKey(path))
            throw new ArgumentException($"memcg '{path}': already exists", nameof(path));
        string parentPath = ParentPath(path);
        MemCgroup* parent;
        if (parentPath == "/")
        {
            parent = _rootMemCgroup;
        }
        else
        {
            if (!_memcgByPath.TryGetValue(parentPath, out nint p))
                throw new ArgumentException($"memcg '{path}': parent '{parentPath}' does not exist", nameof(path));
            parent = (MemCgroup*)p;
            if (!parent->Online)
                throw new ArgumentException($"memcg '{path}': parent '{parentPath}' is being removed", nameof(path));
        }
        int id = AllocMemcgId();
        if (id < 0)
            throw new ArgumentException($"memcg '{path}': no free memcg id (MEM_CGROUP_ID_MAX)", nameof(path));

        MemCgroup* memcg = _memcgPool.Alloc();
        PageCounter.Init(&memcg->Memory, &parent->Memory);
        PageCounter.Init(&memcg->Swap, &parent->Swap);
        memcg->High = PageCounter.PageCounterMax;
        memcg->SoftLimit = PageCounter.PageCounterMax;
        memcg->Swappiness = parent->Swappiness;
        memcg->Id = id;
        memcg->Parent = parent;
        ListHead.Init(&memcg->Children);
        memcg->Nodeinfo = _heap.AllocArray<MemCgroupPerNode>(_nrNodes);
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            MemCgroupPerNode* mz = memcg->Nodeinfo + nid;
            Lruvec.Init(&mz->Lruvec, NodeData(nid));
            mz->Lruvec.MemCgroup = (nint)memcg;
            ListHead.Init(&mz->TreeNode);
            mz->Memcg = memcg;
        }
        memcg->Online = true;
        ListHead.AddTail(&memcg->Sibling, &parent->Children);
        _memcgIdr![id] = (nint)memcg;
        _memcgByPath[path] = (nint)memcg;
    }

    private int AllocMemcgId()
    {
        nint[] idr = _memcgIdr!;
        for (int i = 1; i < idr.Length; i++)
        {
            if (idr[i] == 0)
                return i;
        }
        if (idr.Length > Memcontrol.MemCgroupIdMax)
            return -1;
        int n = idr.Length;
        Array.Resize(ref _memcgIdr, Math.Min(n * 2, Memcontrol.MemCgroupIdMax + 1));
        return n;
    }

    /// <summary>
    /// rmdir (<c>cgroup_rmdir</c> → <c>mem_cgroup_css_offline</c>): refused while the group has children or tasks.
    /// The group goes offline: memory.min/low reset to 0, per-cpu stocks drained, (kmem/shrinker lists would be
    /// reparented: no kmem charging is emulated). As in v5.4, its LRU pages are NOT moved to the parent: they stay
    /// charged to the offline group, which global and ancestor reclaim still visit (get_scan_count's offline rule
    /// scans at least SWAP_CLUSTER_MAX of each list); the group is freed when its last charge goes.
    /// </summary>
    public void MemCgroupRemove(string path)
    {
        path = NormalizeMemcgPath(path);
        if (path == "/")
            throw new ArgumentException("memcg '/': the root cannot be removed", nameof(path));
        MemCgroup* memcg = LookupMemcg(path);
        if (!memcg->Online)
            ThrowNoMemcg(path);
        if (HasOnlineChild(memcg))
            throw new ArgumentException($"memcg '{path}': has child groups (EBUSY)", nameof(path));
        if (memcg->NrTasks != 0 || PendingAttachCount(memcg) != 0)
            throw new ArgumentException($"memcg '{path}': has tasks (EBUSY)", nameof(path));
        memcg->Online = false;
        PageCounter.SetMin(&memcg->Memory, 0);
        PageCounter.SetLow(&memcg->Memory, 0);
        MemcgDrainListLrus(memcg);      // memcg_offline_kmem: reparent the list_lru items
        DrainAllStock(memcg);
        // The path is free for a new group at once (the kernel's dying css is nameless too).
        _memcgByPath!.Remove(path);
        MemcgMaybeFree(memcg);
        MemcgReapOffline();
    }

    private static bool HasOnlineChild(MemCgroup* memcg)
    {
        for (ListHead* pos = memcg->Children.Next; pos != &memcg->Children; pos = pos->Next)
        {
            if (FromSibling(pos)->Online)
                return true;
        }
        return false;
    }

    private int PendingAttachCount(MemCgroup* memcg)
    {
        int n = 0;
        if (_memcgPendingAttach == null)
            return 0;
        foreach (KeyValuePair<EmulatedTask, nint> kv in _memcgPendingAttach)
        {
            if (kv.Value == (nint)memcg)
                n++;
        }
        return n;
    }

    /// <summary>The memory cgroups (online ones), pre-order from the root, as paths ("/" first).</summary>
    public IReadOnlyList<string> MemCgroupPaths()
    {
        var result = new List<string> { "/" };
        if (_rootMemCgroup == null)
            return result;
        MemcgReapOffline();
        var byPtr = new Dictionary<nint, string>();
        foreach (KeyValuePair<string, nint> kv in _memcgByPath!)
            byPtr[kv.Value] = kv.Key;
        for (MemCgroup* pos = CssNextDescendantPre(_rootMemCgroup, _rootMemCgroup); pos != null; pos = CssNextDescendantPre(pos, _rootMemCgroup))
        {
            if (pos->Online && byPtr.TryGetValue((nint)pos, out string? p))
                result.Add(p);
        }
        return result;
    }

    /// <summary>
    /// Writes a memory knob in bytes (<see cref="ulong.MaxValue"/> = "max"; rounded down to pages as
    /// page_counter_memparse does). memory.max below usage reclaims (5 zero-progress tries) and then OOM-kills in the
    /// group, as memory_max_write; memory.high reclaims the excess once, as memory_high_write.
    /// </summary>
    public void MemCgroupSetKnob(string path, MemcgKnob knob, ulong bytes)
    {
        MemCgroup* memcg = LookupMemcg(path);
        if (MemCgroupIsRoot(memcg))
            throw new ArgumentException($"memcg '{NormalizeMemcgPath(path)}': the root has no memory.{knob.ToString().ToLowerInvariant()}", nameof(path));
        if (!memcg->Online)
            ThrowNoMemcg(path);
        long pages = bytes == ulong.MaxValue ? PageCounter.PageCounterMax : (long)Math.Min(bytes / Pfn.PageSize, (ulong)PageCounter.PageCounterMax);
        switch (knob)
        {
            case MemcgKnob.Max:
                MemoryMaxWrite(memcg, pages);
                break;
            case MemcgKnob.High:
                memcg->High = pages;
                long usage = memcg->Memory.Usage;
                if (usage > pages)
                    TryToFreeMemCgroupPages((nint)memcg, (ulong)(usage - pages), Gfp.Kernel, true);
                break;
            case MemcgKnob.Low:
                PageCounter.SetLow(&memcg->Memory, pages);
                break;
            case MemcgKnob.Min:
                PageCounter.SetMin(&memcg->Memory, pages);
                break;
            case MemcgKnob.SwapMax:
                memcg->Swap.Max = pages;
                break;
            case MemcgKnob.SoftLimit:
                memcg->SoftLimit = pages;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(knob), knob, "unknown memcg knob");
        }
        MemcgReapOffline();
    }

    /// <summary><c>memory_max_write</c>: store max, then drain stocks once, reclaim (5 zero-progress tries), then OOM.</summary>
    private void MemoryMaxWrite(MemCgroup* memcg, long max)
    {
        int nrReclaims = Memcontrol.MemCgroupReclaimRetries;
        bool drained = false;
        memcg->Memory.Max = max;
        while (true)
        {
            long nrPages = memcg->Memory.Usage;
            if (nrPages <= max)
                break;
            if (!drained)
            {
                DrainAllStock(memcg);
                drained = true;
                continue;
            }
            if (nrReclaims != 0)
            {
                if (TryToFreeMemCgroupPages((nint)memcg, (ulong)(nrPages - max), Gfp.Kernel, true) == 0)
                    nrReclaims--;
                continue;
            }
            MemcgMemoryEvent(memcg, MemcgEventItem.Oom);
            if (!MemCgroupOutOfMemory(memcg, Gfp.Kernel, 0))
                break;
        }
    }

    /// <summary>
    /// Moves a task into a group (writing its pid to cgroup.procs). Cgroup v2: existing charges stay where they are;
    /// new pages go to the new group. A task that has not created its process yet joins when it does.
    /// </summary>
    public void MemCgroupAttachTask(string path, EmulatedTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        MemCgroup* memcg = LookupMemcg(path);
        if (!memcg->Online)
            ThrowNoMemcg(path);
        nint target = McN(memcg);
        if (task.KernelTask != null)
        {
            MemcgSetTaskGroup(task.KernelTask, target);
            _memcgPendingAttach?.Remove(task);
        }
        else
        {
            _memcgPendingAttach ??= new Dictionary<EmulatedTask, nint>(ReferenceEqualityComparer.Instance);
            _memcgPendingAttach[task] = target;
        }
    }

    private void MemcgSetTaskGroup(TaskStruct* t, nint memcg)
    {
        if (t->MemCgroup != 0)
            ((MemCgroup*)t->MemCgroup)->NrTasks--;
        t->MemCgroup = memcg;
        if (memcg != 0)
            ((MemCgroup*)memcg)->NrTasks++;
    }

    /// <summary>
    /// The memcg a new task starts in (<c>cgroup_post_fork</c>): the parent's; for a new process of a workload task,
    /// a pending <see cref="MemCgroupAttachTask"/>.
    /// </summary>
    private void MemcgTaskCreated(TaskStruct* t, TaskStruct* parent)
    {
        nint memcg = 0;
        if (parent != null)
            memcg = parent->MemCgroup;
        else if (_runningTask != null && _memcgPendingAttach != null && _memcgPendingAttach.Remove(_runningTask, out nint pending))
            memcg = pending;
        t->MemCgroup = 0;
        if (memcg != 0)
            MemcgSetTaskGroup(t, memcg);
    }

    /// <summary>A task leaves its group on exit (<c>cgroup_exit</c>).</summary>
    private void MemcgTaskExit(TaskStruct* t)
    {
        if (t->MemCgroup != 0)
        {
            MemCgroup* memcg = (MemCgroup*)t->MemCgroup;
            memcg->NrTasks--;
            t->MemCgroup = 0;
            MemcgMaybeFree(memcg);
        }
    }

    /// <summary>
    /// <c>mem_cgroup_force_empty(memcg)</c> (v1 memory.force_empty): drain pagevecs and stocks, then up to 5
    /// zero-progress rounds of try_to_free_mem_cgroup_pages(memcg, 1, GFP_KERNEL, may_swap), each failure followed by
    /// congestion_wait(HZ/10). Returns the pages still charged (usage) afterwards.
    /// </summary>
    public ulong MemCgroupForceEmpty(string path)
    {
        MemCgroup* memcg = LookupMemcg(path);
        if (MemCgroupIsRoot(memcg))
            throw new ArgumentException("memcg '/': force_empty of the root is EINVAL", nameof(path));
        ulong left = (ulong)MemCgroupForceEmpty(memcg);
        MemcgReapOffline();
        return left;
    }

    /// <summary>Zero-progress rounds the last force_empty used (for tests).</summary>
    internal int LastForceEmptyFailedRounds { get; private set; }

    internal long MemCgroupForceEmpty(MemCgroup* memcg)
    {
        int nrRetries = Memcontrol.MemCgroupReclaimRetries;
        int failed = 0;
        LruAddDrainAll();
        DrainAllStock(memcg);
        while (nrRetries != 0 && memcg->Memory.Usage != 0)
        {
            ulong progress = TryToFreeMemCgroupPages((nint)memcg, 1, Gfp.Kernel, true);
            if (progress == 0)
            {
                nrRetries--;
                failed++;
                _congestionWaits++;     // congestion_wait(BLK_RW_ASYNC, HZ/10)
                SimulatedSleep(Math.Max(1, Hz / 10));
            }
        }
        LastForceEmptyFailedRounds = failed;
        return memcg->Memory.Usage;
    }

    /// <summary>memory.current in bytes (the root: Σ of its children, as its page counter holds).</summary>
    public ulong MemCgroupMemoryCurrent(string path)
    {
        MemCgroup* memcg = LookupMemcg(path);
        return (ulong)memcg->Memory.Usage * Pfn.PageSize;
    }

    /// <summary>memory.swap.current in bytes.</summary>
    public ulong MemCgroupSwapCurrent(string path)
    {
        MemCgroup* memcg = LookupMemcg(path);
        return (ulong)memcg->Swap.Usage * Pfn.PageSize;
    }

    /// <summary>A memory.events count (hierarchical, as the file shows).</summary>
    public long MemCgroupEvent(string path, MemcgEventItem item)
    {
        MemCgroup* memcg = LookupMemcg(path);
        return memcg->MemoryEvents[(int)item];
    }

    /// <summary>A memory.events.local count.</summary>
    public long MemCgroupEventLocal(string path, MemcgEventItem item)
    {
        MemCgroup* memcg = LookupMemcg(path);
        return memcg->MemoryEventsLocal[(int)item];
    }

    /// <summary>Moves an existing process into a group (tests; what <see cref="MemCgroupAttachTask"/> does with its TaskStruct).</summary>
    internal void MemCgroupAttachTaskStruct(string path, TaskStruct* t)
    {
        MemCgroup* memcg = LookupMemcg(path);
        MemcgSetTaskGroup(t, McN(memcg));
    }

    /// <summary>The group's native struct, for tests.</summary>
    internal MemCgroup* MemCgroupByPath(string path) => LookupMemcg(path);
}
