using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;

// Machine partial: the running task's flags (include/linux/sched.h, sched/mm.h) as reclaim and the allocator see them.
namespace ReclaimFast;

/// <summary>The <c>PF_*</c> per-task flags of v5.4 include/linux/sched.h that the allocator and reclaim consult.</summary>
public static class TaskFlags
{
    /// <summary>PF_MEMALLOC (0x800): allocating memory on behalf of reclaim; may use the reserves, never reclaims.</summary>
    public const uint Memalloc = 0x00000800;
    /// <summary>PF_KSWAPD (0x20000): I am kswapd.</summary>
    public const uint Kswapd = 0x00020000;
    /// <summary>PF_MEMALLOC_NOFS (0x40000): all allocations inherit GFP_NOFS (memalloc_nofs_save).</summary>
    public const uint MemallocNofs = 0x00040000;
    /// <summary>PF_MEMALLOC_NOIO (0x80000): all allocations inherit GFP_NOIO (memalloc_noio_save).</summary>
    public const uint MemallocNoio = 0x00080000;
    /// <summary>PF_KTHREAD (0x200000): a kernel thread.</summary>
    public const uint Kthread = 0x00200000;
    /// <summary>PF_SWAPWRITE (0x800000): allowed to write to swap.</summary>
    public const uint Swapwrite = 0x00800000;
}

public sealed unsafe partial class Machine
{
    // `current->flags`: the scheduler swaps each task's flags in and out around its step. Without the rmap branch's
    // TaskStruct this one field is the whole per-task state reclaim needs (plus the OOM-victim bit below).
    private uint _currentTaskFlags;
    private bool _currentIsOomVictim;

    /// <summary><c>current->flags</c> of the running task (PF_* bits of <see cref="TaskFlags"/>).</summary>
    internal uint CurrentTaskFlags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _currentTaskFlags;
        set => _currentTaskFlags = value;
    }

    /// <summary><c>tsk_is_oom_victim(current)</c> (set by the OOM killer once it exists; false until then).</summary>
    internal bool CurrentIsOomVictim
    {
        get => _currentIsOomVictim;
        set => _currentIsOomVictim = value;
    }

    /// <summary>
    /// Mirrors <c>current_gfp_context</c> (include/linux/sched/mm.h, v5.4): a memalloc_noio scope clears __GFP_IO and
    /// __GFP_FS, a memalloc_nofs scope clears __GFP_FS.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint CurrentGfpContext(uint taskFlags, uint flags)
    {
        if ((taskFlags & (TaskFlags.MemallocNoio | TaskFlags.MemallocNofs)) != 0)
        {
            if ((taskFlags & TaskFlags.MemallocNoio) != 0)
                flags &= ~(Gfp.Io | Gfp.Fs);
            else
                flags &= ~Gfp.Fs;
        }
        return flags;
    }

    /// <summary><c>current_gfp_context(flags)</c> for the running task.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint CurrentGfpContext(uint flags) => CurrentGfpContext(_currentTaskFlags, flags);

    /// <summary>
    /// Mirrors <c>__gfp_pfmemalloc_flags</c> (mm/page_alloc.c): __GFP_NOMEMALLOC → 0; __GFP_MEMALLOC or a PF_MEMALLOC
    /// task (not in interrupt: the emulator has no interrupt context) → ALLOC_NO_WATERMARKS; an OOM victim → ALLOC_OOM.
    /// </summary>
    internal uint __GfpPfmemallocFlags(uint gfpMask)
    {
        if ((gfpMask & Gfp.NoMemalloc) != 0)
            return 0;
        if ((gfpMask & Gfp.Memalloc) != 0)
            return AllocFlags.NoWatermarks;
        if ((_currentTaskFlags & TaskFlags.Memalloc) != 0)
            return AllocFlags.NoWatermarks;
        if (_currentIsOomVictim)
            return AllocFlags.Oom;
        return 0;
    }

    /// <summary><c>gfp_pfmemalloc_allowed</c>.</summary>
    internal bool GfpPfmemallocAllowed(uint gfpMask) => __GfpPfmemallocFlags(gfpMask) != 0;

    /// <summary><c>memalloc_noreclaim_save</c>: set PF_MEMALLOC, return the old bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint MemallocNoreclaimSave()
    {
        uint old = _currentTaskFlags & TaskFlags.Memalloc;
        _currentTaskFlags |= TaskFlags.Memalloc;
        return old;
    }

    /// <summary><c>memalloc_noreclaim_restore</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MemallocNoreclaimRestore(uint old) => _currentTaskFlags = (_currentTaskFlags & ~TaskFlags.Memalloc) | old;
}
