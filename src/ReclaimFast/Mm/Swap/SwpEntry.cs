using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ReclaimFast.Mm.Swap;

/// <summary>
/// Mirrors <c>swp_entry_t</c> in its arch-independent form (include/linux/swapops.h): the type in the top
/// <see cref="MaxSwapfilesShift"/> bits of an xarray value (<c>SWP_TYPE_SHIFT</c> = BITS_PER_XA_VALUE − 5 = 58),
/// the offset below. This is what <c>page_private</c> of a swap-cache page holds; the PTE holds the x86-64
/// arch encoding instead (<see cref="Memory.Pte.SwpEntryToPte"/>).
/// </summary>
public readonly struct SwpEntry : System.IEquatable<SwpEntry>
{
    /// <summary>MAX_SWAPFILES_SHIFT (include/linux/swap.h).</summary>
    public const int MaxSwapfilesShift = 5;

    /// <summary>
    /// MAX_SWAPFILES = (1 &lt;&lt; 5) − SWP_DEVICE_NUM (0, no DEVICE_PRIVATE) − SWP_MIGRATION_NUM (2,
    /// CONFIG_MIGRATION) − SWP_HWPOISON_NUM (1, CONFIG_MEMORY_FAILURE) = 29.
    /// </summary>
    public const int MaxSwapfiles = (1 << MaxSwapfilesShift) - 2 - 1;

    /// <summary>SWP_TYPE_SHIFT = BITS_PER_XA_VALUE (63) − MAX_SWAPFILES_SHIFT.</summary>
    public const int SwpTypeShift = 63 - MaxSwapfilesShift;

    /// <summary>SWP_OFFSET_MASK.</summary>
    public const ulong SwpOffsetMask = (1UL << SwpTypeShift) - 1;

    /// <summary><c>swp_entry_t.val</c>.</summary>
    public readonly ulong Val;

    /// <summary>Wraps a raw value.</summary>
    public SwpEntry(ulong val) => Val = val;

    /// <summary><c>swp_entry(type, offset)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SwpEntry Make(int type, ulong offset)
    {
        Debug.Assert((uint)type < (1u << MaxSwapfilesShift));
        return new SwpEntry(((ulong)type << SwpTypeShift) | (offset & SwpOffsetMask));
    }

    /// <summary><c>swp_type</c>.</summary>
    public int Type
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(Val >> SwpTypeShift);
    }

    /// <summary><c>swp_offset</c>.</summary>
    public ulong Offset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Val & SwpOffsetMask;
    }

    /// <summary>True for the null entry (val 0), which <c>get_swap_page</c> returns on failure.</summary>
    public bool IsNull => Val == 0;

    /// <inheritdoc/>
    public bool Equals(SwpEntry other) => Val == other.Val;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SwpEntry e && e.Val == Val;

    /// <inheritdoc/>
    public override int GetHashCode() => Val.GetHashCode();

    /// <summary>Equality.</summary>
    public static bool operator ==(SwpEntry a, SwpEntry b) => a.Val == b.Val;

    /// <summary>Inequality.</summary>
    public static bool operator !=(SwpEntry a, SwpEntry b) => a.Val != b.Val;

    /// <inheritdoc/>
    public override string ToString() => $"swp(type={Type}, offset={Offset})";
}
