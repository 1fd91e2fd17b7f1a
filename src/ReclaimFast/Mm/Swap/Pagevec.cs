using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Swap;

/// <summary>
/// Mirrors <c>struct pagevec</c> (include/linux/pagevec.h): a small batch of page pointers, PAGEVEC_SIZE = 15, so
/// the whole thing is 128 bytes (two cache lines), as in the kernel.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 128)]
public unsafe struct Pagevec
{
    /// <summary>PAGEVEC_SIZE.</summary>
    public const int PagevecSize = 15;

    /// <summary><c>nr</c>.</summary>
    public byte Nr;
    /// <summary><c>percpu_pvec_drained</c>.</summary>
    public bool PercpuPvecDrained;
    /// <summary><c>pages[PAGEVEC_SIZE]</c> (as addresses).</summary>
    public fixed ulong Pages[PagevecSize];

    /// <summary><c>pagevec_count</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(Pagevec* pvec) => pvec->Nr;

    /// <summary><c>pagevec_add</c>: append; returns the room left (0 = now full, drain it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Add(Pagevec* pvec, Page* page)
    {
        int nr = pvec->Nr;
        pvec->Pages[nr] = (ulong)page;
        pvec->Nr = (byte)(nr + 1);
        return PagevecSize - (nr + 1);
    }

    /// <summary>The page in slot <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Page* Get(Pagevec* pvec, int i) => (Page*)pvec->Pages[i];

    /// <summary><c>pagevec_reinit</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Reinit(Pagevec* pvec) => pvec->Nr = 0;
}

/// <summary>
/// The per-cpu pagevecs of mm/swap.c for one emulated CPU: <c>lru_add_pvec</c>, <c>lru_rotate_pvecs</c>,
/// <c>lru_deactivate_file_pvecs</c>, <c>lru_deactivate_pvecs</c> (MADV_COLD), <c>lru_lazyfree_pvecs</c> and
/// <c>activate_page_pvecs</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct LruPvecs
{
    /// <summary><c>lru_add_pvec</c>.</summary>
    public Pagevec LruAdd;
    /// <summary><c>lru_rotate_pvecs</c>.</summary>
    public Pagevec LruRotate;
    /// <summary><c>lru_deactivate_file_pvecs</c>.</summary>
    public Pagevec LruDeactivateFile;
    /// <summary><c>lru_deactivate_pvecs</c>.</summary>
    public Pagevec LruDeactivate;
    /// <summary><c>lru_lazyfree_pvecs</c>.</summary>
    public Pagevec LruLazyfree;
    /// <summary><c>activate_page_pvecs</c>.</summary>
    public Pagevec ActivatePage;
}
