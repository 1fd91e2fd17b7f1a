using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Filemap;

/// <summary>
/// Mirrors <c>struct address_space</c> (include/linux/fs.h): a file's page cache. <see cref="IPages"/> maps
/// a page offset to a <c>Page*</c> or to a shadow (value) entry left by eviction.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AddressSpace
{
    /// <summary><c>host</c>.</summary>
    public Inode* Host;
    /// <summary><c>i_pages</c>: the page-cache index.</summary>
    public XArray IPages;
    /// <summary><c>gfp_mask</c>: for page-cache allocations.</summary>
    public uint GfpMask;
    /// <summary><c>flags</c>: AS_* bits.</summary>
    public uint Flags;
    /// <summary><c>i_mmap_writable</c>: VM_SHARED mappings.</summary>
    public int IMmapWritable;
    /// <summary><c>nrpages</c>: pages in the cache.</summary>
    public ulong NrPages;
    /// <summary><c>nrexceptional</c>: shadow (value) entries in the cache.</summary>
    public ulong NrExceptional;
    /// <summary>
    /// <c>i_mmap</c>: every VMA mapping this file. Simplification: list sorted by <c>vm_pgoff</c>, ties in
    /// insertion order, filtered by overlap (the kernel's interval tree visits in that order too).
    /// </summary>
    public ListHead IMmap;
    /// <summary><c>writeback_index</c>: where range-cyclic writeback (<c>write_cache_pages</c>) resumes.</summary>
    public ulong WritebackIndex;
}

/// <summary>The page-cache xarray marks (include/linux/fs.h <c>PAGECACHE_TAG_*</c>).</summary>
public static class PagecacheTag
{
    /// <summary>PAGECACHE_TAG_DIRTY = XA_MARK_0.</summary>
    public const int Dirty = 0;
    /// <summary>PAGECACHE_TAG_WRITEBACK = XA_MARK_1.</summary>
    public const int Writeback = 1;
    /// <summary>PAGECACHE_TAG_TOWRITE = XA_MARK_2.</summary>
    public const int Towrite = 2;
}

/// <summary><c>inode->i_state</c> bits the flusher uses (include/linux/fs.h).</summary>
public static class InodeState
{
    /// <summary>I_DIRTY_PAGES: the inode has dirty pages (it is on the writeback's b_dirty/b_io/b_more_io).</summary>
    public const uint DirtyPages = 1u << 2;
    /// <summary>I_SYNC: writeback of the inode is in progress.</summary>
    public const uint Sync = 1u << 7;
}

/// <summary>
/// Mirrors the part of <c>struct inode</c> the page cache needs: size and the embedded <c>i_data</c>. The file's
/// contents are one token per page offset (<see cref="Token"/>), the truth a page read from disk gets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Inode
{
    /// <summary><c>i_ino</c>.</summary>
    public ulong Ino;
    /// <summary><c>i_size</c> in pages.</summary>
    public ulong SizePages;
    /// <summary><c>i_count</c>.</summary>
    public int Count;
    /// <summary>
    /// Content token per page offset (length <see cref="SizePages"/>): the file's current content, what a read must
    /// see. Writes (write(2), stores through shared mappings) update it at once.
    /// </summary>
    public ulong* Token;
    /// <summary>
    /// What the backing device holds per page offset: set when writeback of a dirty page is submitted; a read-in
    /// from disk brings this. A dirty page dropped without writeback leaves it behind <see cref="Token"/>, so the
    /// next read detects the lost write.
    /// </summary>
    public ulong* DiskToken;
    /// <summary>Emulator: elements allocated in <see cref="Token"/> and <see cref="DiskToken"/> (≥ <see cref="SizePages"/>).</summary>
    public ulong TokenCapacity;
    /// <summary><c>i_blkbits</c>: log2 of the block size, for block-backed files (buffer heads).</summary>
    public int IBlkbits;
    /// <summary><c>i_data</c>; <c>i_mapping</c> points here.</summary>
    public AddressSpace IData;
    /// <summary><c>i_state</c>: <see cref="InodeState"/> bits.</summary>
    public uint IState;
    /// <summary><c>dirtied_when</c>: jiffies when the inode was first dirtied (kupdate expiry).</summary>
    public ulong DirtiedWhen;
    /// <summary><c>i_io_list</c>: on the writeback's b_dirty, b_io or b_more_io list while dirty.</summary>
    public ListHead IIoList;
}

/// <summary>Mirrors the part of <c>struct file</c> a mapping needs.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct File
{
    /// <summary><c>f_inode</c>.</summary>
    public Inode* FInode;
    /// <summary><c>f_mapping</c>.</summary>
    public AddressSpace* FMapping;
    /// <summary><c>f_count</c>: the opener's reference plus one per VMA.</summary>
    public long FCount;
}
