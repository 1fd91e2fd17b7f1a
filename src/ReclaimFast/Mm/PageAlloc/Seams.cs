using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;

// Machine partial: the allocator's calls into parts of mm that later issues fill in. Each seam is the kernel
// function the allocator calls, with the behaviour v5.4 has in the configuration emulated so far.
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    private long _kswapdWakeupCalls;

    /// <summary>Calls made to <see cref="WakeupKswapd"/> (whether or not they woke kswapd).</summary>
    internal long KswapdWakeupCalls => _kswapdWakeupCalls;

    /// <summary>
    /// Seam for <c>node_dirty_ok</c> (mm/page-writeback.c) used by __GFP_WRITE dirty spreading; no dirty limits yet,
    /// so every node is within them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool NodeDirtyOk(PglistData* pgdat) => true;
}
