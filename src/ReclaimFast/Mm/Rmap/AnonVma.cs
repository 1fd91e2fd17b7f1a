using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Rmap;

/// <summary>
/// Mirrors <c>struct anon_vma</c> (include/linux/rmap.h, 5.4.286 with <c>num_children</c> and
/// <c>num_active_vmas</c>, which replaced v5.4.0's single <c>degree</c>). Native; the rwsem is not modelled
/// (one emulated CPU runs at a time).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AnonVma
{
    /// <summary><c>root</c>: the root of this anon_vma tree (its lock is the tree's lock).</summary>
    public AnonVma* Root;
    /// <summary><c>parent</c>: the anon_vma this one was forked from (self for a root).</summary>
    public AnonVma* Parent;
    /// <summary><c>refcount</c>: 1 at allocation; children pin their root.</summary>
    public int Refcount;
    /// <summary><c>num_children</c>: child anon_vmas (plus the self-parent link of a root).</summary>
    public ulong NumChildren;
    /// <summary><c>num_active_vmas</c>: VMAs whose <c>anon_vma</c> is this one.</summary>
    public ulong NumActiveVmas;
    /// <summary>
    /// <c>rb_root</c>: the <see cref="AnonVmaChain"/>s of every VMA that may map pages of this anon_vma.
    /// Simplification: a list sorted by the VMA's <c>vm_pgoff</c> (ties in insertion order) filtered by
    /// pgoff overlap, which visits in the same order as the kernel's augmented interval tree.
    /// </summary>
    public ListHead RbRoot;
}

/// <summary>Mirrors <c>struct anon_vma_chain</c> (include/linux/rmap.h): links one VMA with one anon_vma.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct AnonVmaChain
{
    /// <summary><c>vma</c>.</summary>
    public VmAreaStruct* Vma;
    /// <summary><c>anon_vma</c>.</summary>
    public AnonVma* AnonVma;
    /// <summary><c>same_vma</c>: node on <c>vma-&gt;anon_vma_chain</c>.</summary>
    public ListHead SameVma;
    /// <summary><c>rb</c>: node on <c>anon_vma-&gt;rb_root</c>.</summary>
    public ListHead Rb;

    /// <summary>The chain whose <see cref="SameVma"/> is <paramref name="node"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AnonVmaChain* FromSameVma(ListHead* node) => (AnonVmaChain*)((byte*)node - 16);

    /// <summary>The chain whose <see cref="Rb"/> is <paramref name="node"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AnonVmaChain* FromRb(ListHead* node) => (AnonVmaChain*)((byte*)node - 32);
}
