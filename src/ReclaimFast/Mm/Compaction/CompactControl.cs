using System.Runtime.InteropServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Compaction;

/// <summary>Mirrors <c>struct compact_control</c> (mm/internal.h, v5.4); lives on the compacting caller's stack.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CompactControl
{
    /// <summary><c>freepages</c>: isolated free order-0 pages, migration targets.</summary>
    public ListHead FreePages;
    /// <summary><c>migratepages</c>: isolated LRU pages to move.</summary>
    public ListHead MigratePages;
    /// <summary><c>nr_freepages</c>.</summary>
    public ulong NrFreepages;
    /// <summary><c>nr_migratepages</c>.</summary>
    public ulong NrMigratepages;
    /// <summary><c>free_pfn</c>: where the free scanner resumes (it moves down).</summary>
    public ulong FreePfn;
    /// <summary><c>migrate_pfn</c>: where the migrate scanner resumes (it moves up).</summary>
    public ulong MigratePfn;
    /// <summary><c>total_migrate_scanned</c>.</summary>
    public ulong TotalMigrateScanned;
    /// <summary><c>total_free_scanned</c>.</summary>
    public ulong TotalFreeScanned;
    /// <summary><c>zone</c>.</summary>
    public Zone* Zone;
    /// <summary><c>gfp_mask</c>.</summary>
    public uint GfpMask;
    /// <summary><c>alloc_flags</c>.</summary>
    public uint AllocFlags;
    /// <summary><c>order</c>.</summary>
    public int Order;
    /// <summary><c>migratetype</c> of the allocation.</summary>
    public int Migratetype;
    /// <summary><c>classzone_idx</c>.</summary>
    public int ClasszoneIdx;
    /// <summary><c>mode</c>: <see cref="MigrateMode"/>.</summary>
    public int Mode;
    /// <summary><c>ignore_skip_hint</c>.</summary>
    public bool IgnoreSkipHint;
    /// <summary><c>ignore_block_suitable</c>.</summary>
    public bool IgnoreBlockSuitable;
    /// <summary><c>direct_compaction</c>.</summary>
    public bool DirectCompaction;
    /// <summary><c>whole_zone</c>.</summary>
    public bool WholeZone;
    /// <summary><c>contended</c>.</summary>
    public bool Contended;
    /// <summary><c>rescan</c>: the migrate scanner is rescanning the block it migrated from last time.</summary>
    public bool Rescan;
}

/// <summary>Mirrors <c>enum migrate_mode</c> (include/linux/migrate_mode.h).</summary>
internal static class MigrateMode
{
    /// <summary>MIGRATE_ASYNC: never block.</summary>
    public const int Async = 0;
    /// <summary>MIGRATE_SYNC_LIGHT: may block, but not on writeback.</summary>
    public const int SyncLight = 1;
    /// <summary>MIGRATE_SYNC: may block.</summary>
    public const int Sync = 2;
}
