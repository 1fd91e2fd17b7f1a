using Xunit;

namespace ReclaimFast.Tests.Infrastructure;

/// <summary>
/// Zero-allocation tests measure GC.GetAllocatedBytesForCurrentThread deltas; they must not run beside a
/// test with an in-process EventListener on the ReclaimFast source (the listener allocates on the emitting
/// thread). Put both kinds in this collection.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ZeroAllocCollection
{
    /// <summary>The collection name to use in [Collection(...)].</summary>
    public const string Name = "ZeroAlloc";
}
