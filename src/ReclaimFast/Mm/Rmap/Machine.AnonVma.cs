using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// anon_vma lifetime and chaining (mm/rmap.c of 5.4.286), and the anon_vma "interval tree".
public sealed unsafe partial class Machine
{
    /// <summary><c>anon_vma_alloc</c>: refcount 1, its own root and parent.</summary>
    private AnonVma* AnonVmaAlloc()
    {
        AnonVma* av = _anonVmaPool.Alloc();
        av->Refcount = 1;
        av->NumChildren = 0;
        av->NumActiveVmas = 0;
        av->Parent = av;
        av->Root = av;
        ListHead.Init(&av->RbRoot);
        return av;
    }

    /// <summary><c>anon_vma_free</c>.</summary>
    private void AnonVmaFree(AnonVma* av)
    {
        Debug.Assert(av->Refcount == 0);
        Debug.Assert(ListHead.Empty(&av->RbRoot), "freeing an anon_vma that still has chains");
        _anonVmaPool.Free(av);
    }

    /// <summary><c>get_anon_vma</c>.</summary>
    internal static void GetAnonVma(AnonVma* av) => av->Refcount++;

    /// <summary><c>put_anon_vma</c>.</summary>
    internal void PutAnonVma(AnonVma* av)
    {
        if (--av->Refcount == 0)
            __PutAnonVma(av);
    }

    /// <summary><c>__put_anon_vma</c>: free, then drop the pin on the root.</summary>
    private void __PutAnonVma(AnonVma* av)
    {
        AnonVma* root = av->Root;
        AnonVmaFree(av);
        if (root != av && --root->Refcount == 0)
            AnonVmaFree(root);
    }

    /// <summary><c>anon_vma_chain_link</c>.</summary>
    private static void AnonVmaChainLink(VmAreaStruct* vma, AnonVmaChain* avc, AnonVma* av)
    {
        avc->Vma = vma;
        avc->AnonVma = av;
        ListHead.Add(&avc->SameVma, &vma->AnonVmaChain);
        AnonVmaIntervalTreeInsert(avc, av);
    }

    /// <summary>
    /// <c>anon_vma_interval_tree_insert</c>: keep <c>rb_root</c> sorted by the VMA's first pgoff, a new chain
    /// going after those with an equal key (the interval tree sends equal keys right, so in-order they follow).
    /// </summary>
    internal static void AnonVmaIntervalTreeInsert(AnonVmaChain* avc, AnonVma* av)
    {
        ListHead* root = &av->RbRoot;
        ulong key = avc->Vma->VmPgoff;
        ListHead* pos = root->Prev;
        while (pos != root && AnonVmaChain.FromRb(pos)->Vma->VmPgoff > key)
            pos = pos->Prev;
        ListHead.Add(&avc->Rb, pos);
    }

    /// <summary><c>anon_vma_interval_tree_remove</c>.</summary>
    internal static void AnonVmaIntervalTreeRemove(AnonVmaChain* avc) => ListHead.Del(&avc->Rb);

    /// <summary><c>anon_vma_interval_tree_pre_update_vma</c>: take the VMA's chains out before its pgoff range changes.</summary>
    private static void AnonVmaIntervalTreePreUpdateVma(VmAreaStruct* vma)
    {
        for (ListHead* p = vma->AnonVmaChain.Next; p != &vma->AnonVmaChain; p = p->Next)
            AnonVmaIntervalTreeRemove(AnonVmaChain.FromSameVma(p));
    }

    /// <summary><c>anon_vma_interval_tree_post_update_vma</c>: put them back with the new key.</summary>
    private static void AnonVmaIntervalTreePostUpdateVma(VmAreaStruct* vma)
    {
        for (ListHead* p = vma->AnonVmaChain.Next; p != &vma->AnonVmaChain; p = p->Next)
        {
            AnonVmaChain* avc = AnonVmaChain.FromSameVma(p);
            AnonVmaIntervalTreeInsert(avc, avc->AnonVma);
        }
    }

    /// <summary><c>anon_vma_prepare</c>: make sure the VMA has an anon_vma. Returns 0 or −ENOMEM.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int AnonVmaPrepare(VmAreaStruct* vma) => vma->AnonVma != null ? 0 : __AnonVmaPrepare(vma);

    /// <summary><c>__anon_vma_prepare</c>: reuse a mergeable neighbour's anon_vma or allocate a new root.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int __AnonVmaPrepare(VmAreaStruct* vma)
    {
        AnonVmaChain* avc = _avcPool.Alloc();
        AnonVma* av = FindMergeableAnonVma(vma);
        if (av == null)
        {
            av = AnonVmaAlloc();
            av->NumChildren++; // self-parent link for a new root
        }
        vma->AnonVma = av;
        AnonVmaChainLink(vma, avc, av);
        av->NumActiveVmas++;
        return 0;
    }

    /// <summary><c>anon_vma_compatible</c>: adjacent, same file, same flags but access bits, continuous pgoff.</summary>
    private static bool AnonVmaCompatible(VmAreaStruct* a, VmAreaStruct* b)
        => a->VmEnd == b->VmStart
           && a->VmFile == b->VmFile
           && ((a->VmFlags ^ b->VmFlags) & ~(VmFlags.Read | VmFlags.Write | VmFlags.Exec)) == 0
           && b->VmPgoff == a->VmPgoff + ((b->VmStart - a->VmStart) >> Pfn.PageShift);

    /// <summary><c>reusable_anon_vma</c>: the neighbour's anon_vma if compatible and it has a single chain.</summary>
    private static AnonVma* ReusableAnonVma(VmAreaStruct* old, VmAreaStruct* a, VmAreaStruct* b)
    {
        if (AnonVmaCompatible(a, b))
        {
            AnonVma* av = old->AnonVma;
            if (av != null && ListHead.IsSingular(&old->AnonVmaChain))
                return av;
        }
        return null;
    }

    /// <summary><c>find_mergeable_anon_vma</c>: try the next VMA, then the previous.</summary>
    private static AnonVma* FindMergeableAnonVma(VmAreaStruct* vma)
    {
        AnonVma* av;
        VmAreaStruct* near = vma->VmNext;
        if (near != null && (av = ReusableAnonVma(near, vma, near)) != null)
            return av;
        near = vma->VmPrev;
        if (near != null && (av = ReusableAnonVma(near, near, vma)) != null)
            return av;
        return null;
    }

    /// <summary>
    /// <c>anon_vma_clone</c>: chain <paramref name="dst"/> to every anon_vma of <paramref name="src"/> (oldest
    /// first), reusing one that has no VMA and fewer than two children as dst's own.
    /// </summary>
    internal int AnonVmaClone(VmAreaStruct* dst, VmAreaStruct* src)
    {
        for (ListHead* p = src->AnonVmaChain.Prev; p != &src->AnonVmaChain; p = p->Prev)
        {
            AnonVmaChain* pavc = AnonVmaChain.FromSameVma(p);
            AnonVmaChain* avc = _avcPool.Alloc();
            AnonVma* av = pavc->AnonVma;
            AnonVmaChainLink(dst, avc, av);
            // Reuse an anon_vma with no VMA and at most one child; a root is never reused (self-parent + child).
            if (dst->AnonVma == null && av->NumChildren < 2 && av->NumActiveVmas == 0)
                dst->AnonVma = av;
        }
        if (dst->AnonVma != null)
            dst->AnonVma->NumActiveVmas++;
        return 0;
    }

    /// <summary>
    /// <c>anon_vma_fork</c>: chain the child VMA to the parent VMA's anon_vmas, then give it its own anon_vma
    /// (root = parent's root, parent = parent VMA's anon_vma) unless an existing one was reused.
    /// </summary>
    internal int AnonVmaFork(VmAreaStruct* vma, VmAreaStruct* pvma)
    {
        if (pvma->AnonVma == null)
            return 0;
        vma->AnonVma = null;
        AnonVmaClone(vma, pvma);
        if (vma->AnonVma != null)
            return 0;
        AnonVma* av = AnonVmaAlloc();
        av->NumActiveVmas++;
        AnonVmaChain* avc = _avcPool.Alloc();
        av->Root = pvma->AnonVma->Root;
        av->Parent = pvma->AnonVma;
        GetAnonVma(av->Root);
        vma->AnonVma = av;
        AnonVmaChainLink(vma, avc, av);
        av->Parent->NumChildren++;
        return 0;
    }

    /// <summary>
    /// <c>unlink_anon_vmas</c>: unchain the VMA (newest first, so the root goes last); anon_vmas left with no
    /// chain are released after the first pass.
    /// </summary>
    internal void UnlinkAnonVmas(VmAreaStruct* vma)
    {
        ListHead* head = &vma->AnonVmaChain;
        for (ListHead* p = head->Next, n = p->Next; p != head; p = n, n = p->Next)
        {
            AnonVmaChain* avc = AnonVmaChain.FromSameVma(p);
            AnonVma* av = avc->AnonVma;
            AnonVmaIntervalTreeRemove(avc);
            if (ListHead.Empty(&av->RbRoot))
            {
                av->Parent->NumChildren--;
                continue; // freed below, outside the (emulated) root lock
            }
            ListHead.Del(&avc->SameVma);
            _avcPool.Free(avc);
        }
        if (vma->AnonVma != null)
            vma->AnonVma->NumActiveVmas--;
        for (ListHead* p = head->Next, n = p->Next; p != head; p = n, n = p->Next)
        {
            AnonVmaChain* avc = AnonVmaChain.FromSameVma(p);
            AnonVma* av = avc->AnonVma;
            Debug.Assert(av->NumChildren == 0 && av->NumActiveVmas == 0);
            PutAnonVma(av);
            ListHead.Del(&avc->SameVma);
            _avcPool.Free(avc);
        }
    }
}
