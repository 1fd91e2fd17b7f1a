using System;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Rmap;

/// <summary>
/// Mirrors <c>struct rmap_walk_control</c> (include/linux/rmap.h) as a struct constraint, so each walk is
/// specialised and its callbacks inlined (no function pointer or interface call per VMA).
/// </summary>
internal unsafe interface IRmapWalkControl
{
    /// <summary><c>rmap_one</c>: false stops the walk.</summary>
    bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address);

    /// <summary><c>done</c>: true stops the walk.</summary>
    bool Done(Page* page);

    /// <summary><c>invalid_vma</c>: true skips the VMA.</summary>
    bool InvalidVma(VmAreaStruct* vma);
}

/// <summary><c>enum ttu_flags</c> (include/linux/rmap.h, 5.4.286).</summary>
[Flags]
internal enum TtuFlags
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>TTU_MIGRATION.</summary>
    Migration = 0x1,
    /// <summary>TTU_MUNLOCK.</summary>
    Munlock = 0x2,
    /// <summary>TTU_SPLIT_HUGE_PMD.</summary>
    SplitHugePmd = 0x4,
    /// <summary>TTU_IGNORE_MLOCK.</summary>
    IgnoreMlock = 0x8,
    /// <summary>TTU_IGNORE_ACCESS.</summary>
    IgnoreAccess = 0x10,
    /// <summary>TTU_IGNORE_HWPOISON.</summary>
    IgnoreHwpoison = 0x20,
    /// <summary>TTU_BATCH_FLUSH.</summary>
    BatchFlush = 0x40,
    /// <summary>TTU_RMAP_LOCKED.</summary>
    RmapLocked = 0x80,
    /// <summary>TTU_SPLIT_FREEZE.</summary>
    SplitFreeze = 0x100,
    /// <summary>TTU_SYNC.</summary>
    Sync = 0x200,
}
