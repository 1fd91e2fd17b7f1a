using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.Memory;

/// <summary>
/// The 4 KiB contents of one page-table page (512 entries), plus the emulator's content oracle for a
/// PTE-level table: for each PTE, the token the owning mm expects to read there when the mapped page is
/// anonymous (or swapped out). The oracle is test instrumentation, not emulated memory. Indexed by the
/// table page's PFN through the machine's page-table side array.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 2 * Pte.PtrsPerTable * sizeof(ulong))]
public unsafe struct PtBlock
{
    /// <summary>The table's entries.</summary>
    public fixed ulong Entries[Pte.PtrsPerTable];

    /// <summary>Expected content token per PTE (PTE-level tables only).</summary>
    public fixed ulong Shadow[Pte.PtrsPerTable];
}
