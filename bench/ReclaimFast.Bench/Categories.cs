namespace ReclaimFast.Bench;

/// <summary>Benchmark category names, one per reclaim-path family.</summary>
internal static class Categories
{
    public const string Types = "types";
    public const string PageAlloc = "pagealloc";
    public const string Boot = "boot";
    public const string Rmap = "rmap";
    public const string Fault = "fault";
    public const string Replay = "replay";
    public const string VmscanInactiveFile = "vmscan-inactive-file";
    public const string VmscanInactiveFileRandom = "vmscan-inactive-file-random";
    public const string VmscanInactiveFileRandom64GiB = "vmscan-inactive-file-random-64gib";
    public const string VmscanActive = "vmscan-active";
    public const string VmscanAnonSwap = "vmscan-anon-swap";
    public const string Slab = "slab";
    public const string Writeback = "writeback";
    public const string MemcgCharge = "memcg-charge";
    public const string MemcgReclaim = "memcg-reclaim";
    public const string MemcgShrinkSlab = "memcg-shrink-slab";
}
