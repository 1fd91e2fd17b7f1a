using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Filemap;

/// <summary>
/// Mirrors <c>struct buffer_head</c> (include/linux/buffer_head.h, v5.4, x86-64: 104 bytes): one block of a page-cache
/// page. A page's buffers form a circular list through <see cref="BThisPage"/>; <c>page->private</c> points at the
/// first. Objects live in the machine's "buffer_head" slab cache. Unused kernel fields (b_bdev, b_end_io,
/// b_private, b_assoc_buffers, b_assoc_map) keep their bytes so the object has the kernel's size.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
public unsafe struct BufferHead
{
    /// <summary><c>b_state</c>: BH_* bits (<see cref="BhState"/>).</summary>
    [FieldOffset(0)] public ulong BState;
    /// <summary><c>b_this_page</c>: the next buffer of the same page (circular).</summary>
    [FieldOffset(8)] public BufferHead* BThisPage;
    /// <summary><c>b_page</c>: the page this buffer maps.</summary>
    [FieldOffset(16)] public Page* BPage;
    /// <summary><c>b_blocknr</c>: start block number (−1 until mapped).</summary>
    [FieldOffset(24)] public ulong BBlocknr;
    /// <summary><c>b_size</c>: block size in bytes.</summary>
    [FieldOffset(32)] public ulong BSize;
    /// <summary><c>b_data</c>: for a page without a kernel mapping, the offset of the block inside the page.</summary>
    [FieldOffset(40)] public ulong BData;
    /// <summary><c>b_count</c>: users of this buffer_head (a busy buffer cannot be dropped).</summary>
    [FieldOffset(96)] public int BCount;
}

/// <summary>Mirrors <c>enum bh_state_bits</c> (include/linux/buffer_head.h, v5.4), the bits used here.</summary>
public static class BhState
{
    /// <summary>BH_Uptodate: contains valid data.</summary>
    public const int Uptodate = 0;
    /// <summary>BH_Dirty.</summary>
    public const int Dirty = 1;
    /// <summary>BH_Lock: under I/O.</summary>
    public const int Lock = 2;
    /// <summary>BH_Req: has been submitted for I/O.</summary>
    public const int Req = 3;
    /// <summary>BH_Mapped: has a disk mapping.</summary>
    public const int Mapped = 5;
    /// <summary>BH_Async_Write: under end_buffer_async_write I/O.</summary>
    public const int AsyncWrite = 8;

    /// <summary>The kernel's <c>buffer_busy</c>: referenced, dirty or locked — such a buffer keeps its page's buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool BufferBusy(BufferHead* bh) =>
        bh->BCount != 0 || (bh->BState & ((1UL << Dirty) | (1UL << Lock))) != 0;
}
