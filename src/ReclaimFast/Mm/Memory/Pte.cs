using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Memory;

/// <summary>
/// x86-64 page-table entry encoding (arch/x86/include/asm/pgtable_types.h, pgtable_64.h, pgtable.h of 5.4):
/// 4 levels (pgd → pud → pmd → pte; p4d folded), 512 eight-byte entries a level. A present entry holds a
/// PFN in bits 12..51 and the flag bits below; a non-present, non-none PTE holds a swap entry.
/// </summary>
/// <remarks>
/// <code>
///  present:  63 NX | 62..52 (unused) | 51..12 PFN | 11..9 SW3..SW1 | 8 G | 7 PSE/PAT | 6 D | 5 A | 4 PCD | 3 PWT | 2 U | 1 RW | 0 P
///  swap:     63..59 type | 58..9 ~offset (inverted for L1TF) | 8 0 (PROTNONE) | 7 0 | 6..1 X | 0 0
/// </code>
/// </remarks>
public static class Pte
{
    /// <summary>PTRS_PER_PGD = PTRS_PER_PUD = PTRS_PER_PMD = PTRS_PER_PTE.</summary>
    public const int PtrsPerTable = 512;

    /// <summary>PGDIR_SHIFT (4-level).</summary>
    public const int PgdirShift = 39;
    /// <summary>PUD_SHIFT.</summary>
    public const int PudShift = 30;
    /// <summary>PMD_SHIFT.</summary>
    public const int PmdShift = 21;
    /// <summary>PAGE_SHIFT (<see cref="Pfn.PageShift"/>).</summary>
    public const int PageShift = Pfn.PageShift;

    /// <summary>TASK_SIZE_MAX for 4-level x86-64: (1 &lt;&lt; 47) − PAGE_SIZE.</summary>
    public const ulong TaskSize = (1UL << 47) - (1UL << PageShift);

    /// <summary>_PAGE_BIT_PRESENT.</summary>
    public const ulong Present = 1UL << 0;
    /// <summary>_PAGE_BIT_RW.</summary>
    public const ulong Rw = 1UL << 1;
    /// <summary>_PAGE_BIT_USER.</summary>
    public const ulong User = 1UL << 2;
    /// <summary>_PAGE_BIT_ACCESSED ("young").</summary>
    public const ulong Accessed = 1UL << 5;
    /// <summary>_PAGE_BIT_DIRTY.</summary>
    public const ulong Dirty = 1UL << 6;
    /// <summary>_PAGE_BIT_PSE.</summary>
    public const ulong Pse = 1UL << 7;
    /// <summary>_PAGE_BIT_GLOBAL; aliased by _PAGE_PROTNONE on non-present entries.</summary>
    public const ulong ProtNone = 1UL << 8;
    /// <summary>_PAGE_BIT_NX.</summary>
    public const ulong Nx = 1UL << 63;

    /// <summary>_PAGE_KNL_ERRATUM_MASK: A and D may be set by hardware on non-present entries; pte_none ignores them.</summary>
    public const ulong KnlErratumMask = Dirty | Accessed;

    /// <summary>__PHYSICAL_MASK_SHIFT.</summary>
    public const int PhysicalMaskShift = 52;

    /// <summary>PTE_PFN_MASK: bits 12..51.</summary>
    public const ulong PfnMask = ((1UL << PhysicalMaskShift) - 1) & ~((1UL << PageShift) - 1);

    /// <summary>_PAGE_TABLE: how a pgd/pud/pmd entry points at the next-level table.</summary>
    public const ulong PageTable = Present | Rw | User | Accessed | Dirty;

    /// <summary>SWP_TYPE_BITS (x86-64).</summary>
    public const int SwpTypeBits = 5;
    /// <summary>SWP_OFFSET_FIRST_BIT = _PAGE_BIT_PROTNONE + 1.</summary>
    public const int SwpOffsetFirstBit = 8 + 1;
    /// <summary>SWP_OFFSET_SHIFT = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS.</summary>
    public const int SwpOffsetShift = SwpOffsetFirstBit + SwpTypeBits;

    /// <summary>pgd_index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PgdIndex(ulong addr) => (int)((addr >> PgdirShift) & (PtrsPerTable - 1));
    /// <summary>pud_index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PudIndex(ulong addr) => (int)((addr >> PudShift) & (PtrsPerTable - 1));
    /// <summary>pmd_index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PmdIndex(ulong addr) => (int)((addr >> PmdShift) & (PtrsPerTable - 1));
    /// <summary>pte_index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PteIndex(ulong addr) => (int)((addr >> PageShift) & (PtrsPerTable - 1));

    /// <summary><c>pte_none</c>: empty apart from the erratum bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PteNone(ulong pte) => (pte & ~KnlErratumMask) == 0;

    /// <summary><c>pte_present</c>: present, or PROT_NONE (still a valid mapping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PtePresent(ulong pte) => (pte & (Present | ProtNone)) != 0;

    /// <summary><c>is_swap_pte</c>: neither none nor present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSwapPte(ulong pte) => !PteNone(pte) && !PtePresent(pte);

    /// <summary><c>pte_young</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PteYoung(ulong pte) => (pte & Accessed) != 0;

    /// <summary><c>pte_dirty</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PteDirty(ulong pte) => (pte & Dirty) != 0;

    /// <summary><c>pte_write</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PteWrite(ulong pte) => (pte & Rw) != 0;

    /// <summary><c>pte_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PtePfn(ulong pte) => (pte & PfnMask) >> PageShift;

    /// <summary><c>pfn_pte(pfn, prot)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PfnPte(ulong pfn, ulong prot) => (pfn << PageShift) | prot;

    /// <summary>
    /// <c>__swp_entry(type, offset)</c> as a PTE value: the offset is inverted (so the PFN bits of a
    /// not-present PTE point at non-existent memory, the L1TF mitigation), type in the top 5 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ArchSwpEntry(int type, ulong offset)
        => (~offset << SwpOffsetShift >> SwpTypeBits) | ((ulong)type << (64 - SwpTypeBits));

    /// <summary><c>__swp_type</c> of a swap PTE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ArchSwpType(ulong pte) => (int)(pte >> (64 - SwpTypeBits));

    /// <summary><c>__swp_offset</c> of a swap PTE (re-inverted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ArchSwpOffset(ulong pte) => ~pte << SwpTypeBits >> SwpOffsetShift;

    /// <summary><c>swp_entry_to_pte</c> (include/linux/swapops.h): generic entry → arch PTE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SwpEntryToPte(SwpEntry entry) => ArchSwpEntry(entry.Type, entry.Offset);

    /// <summary><c>pte_to_swp_entry</c>: arch PTE → generic entry (soft-dirty is not modelled, so nothing to clear).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SwpEntry PteToSwpEntry(ulong pte) => SwpEntry.Make(ArchSwpType(pte), ArchSwpOffset(pte));
}
