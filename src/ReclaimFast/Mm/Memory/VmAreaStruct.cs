using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Memory;

/// <summary>
/// Mirrors <c>struct vm_area_struct</c> (include/linux/mm_types.h): one mapping [VmStart, VmEnd) of an mm,
/// native, on the mm's address-sorted <c>vm_next</c>/<c>vm_prev</c> list.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct VmAreaStruct
{
    /// <summary><c>vm_start</c>: first byte.</summary>
    public ulong VmStart;
    /// <summary><c>vm_end</c>: first byte after.</summary>
    public ulong VmEnd;
    /// <summary><c>vm_next</c>: next VMA by address.</summary>
    public VmAreaStruct* VmNext;
    /// <summary><c>vm_prev</c>.</summary>
    public VmAreaStruct* VmPrev;
    /// <summary><c>vm_mm</c>.</summary>
    public MmStruct* VmMm;
    /// <summary><c>vm_flags</c>: <see cref="VmFlags"/>.</summary>
    public ulong VmFlags;
    /// <summary>
    /// <c>shared.rb</c>: node in the file's <c>i_mmap</c>. Simplification: a list sorted by <c>vm_pgoff</c>
    /// (ties in insertion order), which is the in-order visit order of the kernel's interval tree.
    /// </summary>
    public ListHead Shared;
    /// <summary><c>anon_vma_chain</c>: this VMA's <see cref="AnonVmaChain"/>s, newest first.</summary>
    public ListHead AnonVmaChain;
    /// <summary><c>anon_vma</c>: where new anonymous pages of this VMA go.</summary>
    public AnonVma* AnonVma;
    /// <summary><c>vm_pgoff</c>: offset of VmStart in PAGE_SIZE units (file offset, or VmStart &gt;&gt; PAGE_SHIFT for anon).</summary>
    public ulong VmPgoff;
    /// <summary><c>vm_file</c>, or null for anonymous memory.</summary>
    public File* VmFile;
    /// <summary><c>vm_page_prot</c>: the PTE protection bits new mappings get.</summary>
    public ulong VmPageProt;

    /// <summary><c>vma_pages</c>.</summary>
    public readonly ulong Pages
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (VmEnd - VmStart) >> Pfn.PageShift;
    }

    /// <summary>The VMA whose <see cref="Shared"/> node is <paramref name="node"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VmAreaStruct* FromShared(ListHead* node) => (VmAreaStruct*)((byte*)node - OffsetOfShared);

    /// <summary>Byte offset of <see cref="Shared"/>.</summary>
    public static readonly int OffsetOfShared = (int)Marshal.OffsetOf<VmAreaStruct>(nameof(Shared));
}

/// <summary>VM_* flags of <c>vm_flags</c> (include/linux/mm.h, 5.4).</summary>
public static class VmFlags
{
    /// <summary>VM_READ.</summary>
    public const ulong Read = 0x00000001;
    /// <summary>VM_WRITE.</summary>
    public const ulong Write = 0x00000002;
    /// <summary>VM_EXEC.</summary>
    public const ulong Exec = 0x00000004;
    /// <summary>VM_SHARED.</summary>
    public const ulong Shared = 0x00000008;
    /// <summary>VM_MAYREAD.</summary>
    public const ulong MayRead = 0x00000010;
    /// <summary>VM_MAYWRITE.</summary>
    public const ulong MayWrite = 0x00000020;
    /// <summary>VM_MAYEXEC.</summary>
    public const ulong MayExec = 0x00000040;
    /// <summary>VM_MAYSHARE.</summary>
    public const ulong MayShare = 0x00000080;
    /// <summary>VM_GROWSDOWN.</summary>
    public const ulong GrowsDown = 0x00000100;
    /// <summary>VM_PFNMAP.</summary>
    public const ulong PfnMap = 0x00000400;
    /// <summary>VM_LOCKED: mlock()ed.</summary>
    public const ulong Locked = 0x00002000;
    /// <summary>VM_IO.</summary>
    public const ulong Io = 0x00004000;
    /// <summary>VM_SEQ_READ: madvise(MADV_SEQUENTIAL); page_referenced ignores its young bits.</summary>
    public const ulong SeqRead = 0x00008000;
    /// <summary>VM_RAND_READ.</summary>
    public const ulong RandRead = 0x00010000;
    /// <summary>VM_DONTCOPY: not inherited by fork.</summary>
    public const ulong DontCopy = 0x00020000;
    /// <summary>VM_DONTEXPAND.</summary>
    public const ulong DontExpand = 0x00040000;
    /// <summary>VM_LOCKONFAULT.</summary>
    public const ulong LockOnFault = 0x00080000;
    /// <summary>VM_ACCOUNT.</summary>
    public const ulong Account = 0x00100000;
    /// <summary>VM_MIXEDMAP.</summary>
    public const ulong MixedMap = 0x10000000;
    /// <summary>VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP.</summary>
    public const ulong Special = Io | DontExpand | PfnMap | MixedMap;
    /// <summary>VM_LOCKED_CLEAR_MASK's complement: the bits munlock clears.</summary>
    public const ulong LockedMask = Locked | LockOnFault;
}
