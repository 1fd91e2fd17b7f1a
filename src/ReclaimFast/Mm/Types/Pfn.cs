using System.Runtime.CompilerServices;

namespace ReclaimFast.Mm.Types;

/// <summary>
/// Page-size constants and <c>pfn_to_page</c>/<c>page_to_pfn</c> over one flat <c>mem_map</c>
/// (the SPARSEMEM_VMEMMAP arithmetic: a PFN indexes the descriptor array directly).
/// </summary>
public static unsafe class Pfn
{
    /// <summary>PAGE_SHIFT.</summary>
    public const int PageShift = 12;

    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = 1 << PageShift;

    /// <summary><c>pfn_to_page</c>: <c>mem_map + pfn</c> (typed pointer arithmetic: 64-byte steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Page* ToPage(Page* memMap, ulong pfn) => memMap + pfn;

    /// <summary><c>page_to_pfn</c>: <c>page − mem_map</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong FromPage(Page* memMap, Page* page) => (ulong)(page - memMap);
}
