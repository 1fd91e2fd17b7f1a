using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>
/// Writes runs of <see cref="Page"/> descriptors at boot (the store part of <c>__init_single_page</c>): one 64-byte
/// store per descriptor. The descriptor is the same for the whole run except its self-linked <c>lru</c>
/// (INIT_LIST_HEAD), so a template vector plus a per-page step does it. Tiers: Vector512 (one non-temporal
/// store), Vector256 (two), scalar; tests hold the vector tiers to the scalar one.
/// </summary>
internal static unsafe class MemmapInitializer
{
    /// <summary>The implementation tier.</summary>
    internal enum Tier
    {
        /// <summary>The widest tier the hardware accelerates.</summary>
        Auto,
        /// <summary>Vector512 non-temporal stores.</summary>
        Vector512,
        /// <summary>Vector256 non-temporal stores.</summary>
        Vector256,
        /// <summary>Plain field stores.</summary>
        Scalar,
    }

    /// <summary>
    /// Writes <paramref name="count"/> descriptors from <paramref name="first"/>: flags = <paramref name="flags"/>,
    /// lru self-linked, mapping/index/private 0, _mapcount −1, _refcount = <paramref name="refCount"/>, mem_cgroup 0.
    /// </summary>
    public static void InitRange(Page* first, ulong count, ulong flags, int refCount, Tier tier)
    {
        if (tier == Tier.Auto)
            tier = Vector512.IsHardwareAccelerated ? Tier.Vector512 : Vector256.IsHardwareAccelerated ? Tier.Vector256 : Tier.Scalar;
        // Word 6 holds _mapcount (low half, −1) and _refcount (high half).
        ulong word6 = 0xffffffffUL | ((ulong)(uint)refCount << 32);
        ulong lru = (ulong)first + 8;
        switch (tier)
        {
            case Tier.Vector512:
                {
                    var cur = Vector512.Create(flags, lru, lru, 0, 0, 0, word6, 0);
                    var step = Vector512.Create(0UL, 64, 64, 0, 0, 0, 0, 0);
                    ulong* p = (ulong*)first;
                    for (ulong i = 0; i < count; i++, p += 8)
                    {
                        cur.StoreAlignedNonTemporal(p);
                        cur += step;
                    }
                    break;
                }
            case Tier.Vector256:
                {
                    var lo = Vector256.Create(flags, lru, lru, 0);
                    var hi = Vector256.Create(0, 0, word6, 0);
                    var step = Vector256.Create(0UL, 64, 64, 0);
                    ulong* p = (ulong*)first;
                    for (ulong i = 0; i < count; i++, p += 8)
                    {
                        lo.StoreAlignedNonTemporal(p);
                        hi.StoreAlignedNonTemporal(p + 4);
                        lo += step;
                    }
                    break;
                }
            default:
                {
                    Page* page = first;
                    for (ulong i = 0; i < count; i++, page++)
                    {
                        page->Flags = flags;
                        ListHead.Init(page->LruPtr);
                        page->Mapping = 0;
                        page->Index = 0;
                        page->Private = 0;
                        page->MapCount = -1;
                        page->RefCount = refCount;
                        page->MemCgroup = 0;
                    }
                    break;
                }
        }
    }

    /// <summary>Orders the non-temporal stores before later loads and stores (sfence on x86).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fence()
    {
        if (Sse.IsSupported)
            Sse.StoreFence();
        else
            System.Threading.Interlocked.MemoryBarrier();
    }
}
