using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.Swap;

/// <summary>
/// Mirrors <c>struct swap_info_struct</c> (include/linux/swap.h): one swap device, native. Only the fields the
/// slot accounting needs today; the swap issue adds clusters, the swap address space and the device queue.
/// </summary>
/// <remarks>
/// Slot 0 is the swap header and is marked <see cref="SwapMapBad"/>, as <c>setup_swap_map_and_extents</c> does,
/// so offset 0 never names a usable slot and the null <c>swp_entry_t</c> (type 0, offset 0) stays invalid.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SwapInfoStruct
{
    /// <summary>SWAP_MAP_MAX: the largest count held in <c>swap_map</c> itself.</summary>
    public const byte SwapMapMax = 0x3e;
    /// <summary>SWAP_MAP_BAD: the slot is unusable (header or bad block).</summary>
    public const byte SwapMapBad = 0x3f;
    /// <summary>SWAP_HAS_CACHE: the slot is held by the swap cache.</summary>
    public const byte SwapHasCache = 0x40;
    /// <summary>COUNT_CONTINUED: the count continues in a continuation level.</summary>
    public const byte CountContinued = 0x80;
    /// <summary>SWAP_CONT_MAX: the largest digit held in a continuation level.</summary>
    public const byte SwapContMax = 0x7f;
    /// <summary>SWAP_MAP_SHMEM (unused until shmem swap exists).</summary>
    public const byte SwapMapShmem = 0xbf;

    /// <summary>SWP_USED.</summary>
    public const ulong SwpUsed = 1UL << 0;
    /// <summary>SWP_WRITEOK.</summary>
    public const ulong SwpWriteOk = 1UL << 1;

    /// <summary>Continuation levels kept per device (see <see cref="Cont"/>).</summary>
    public const int MaxContLevels = 4;

    /// <summary><c>flags</c>: SWP_*.</summary>
    public ulong Flags;
    /// <summary><c>prio</c>.</summary>
    public int Prio;
    /// <summary><c>type</c>: index in <c>swap_info[]</c>.</summary>
    public int Type;
    /// <summary><c>max</c>: slots including the header slot.</summary>
    public ulong Max;
    /// <summary><c>swap_map</c>: one byte per slot (count | SWAP_HAS_CACHE | COUNT_CONTINUED).</summary>
    public byte* SwapMap;
    /// <summary><c>lowest_bit</c>: lowest slot that may be free.</summary>
    public ulong LowestBit;
    /// <summary><c>highest_bit</c>: highest slot that may be free.</summary>
    public ulong HighestBit;
    /// <summary><c>pages</c>: usable slots.</summary>
    public ulong Pages;
    /// <summary><c>inuse_pages</c>: slots with a non-zero <c>swap_map</c>.</summary>
    public ulong InusePages;

    /// <summary>
    /// The content token of each slot (DESIGN.md: a swapped-out page's contents go with its slot), by offset;
    /// written when a page is written out, read back on swap-in.
    /// </summary>
    public ulong* SlotToken;

    /// <summary>
    /// Count-continuation digits by level, each a byte per slot. Simplification: the kernel chains
    /// continuation pages (allocated from the buddy allocator) to each <c>swap_map</c> page on demand; here
    /// each level is one native byte array per device allocated on first need. Digit semantics are the kernel's.
    /// </summary>
    public fixed ulong Cont[MaxContLevels];

    /// <summary>Continuation levels allocated so far.</summary>
    public int ContLevels;
}
