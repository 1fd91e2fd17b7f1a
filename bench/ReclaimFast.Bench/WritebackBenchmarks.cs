using BenchmarkDotNet.Attributes;
using ReclaimFast.Mm.Filemap;

namespace ReclaimFast.Bench;

/// <summary>
/// write(2) of cached pages with dirty accounting, tags, balance_dirty_pages and the flusher's background writeback
/// (inline: write_cache_pages, page_mkclean, ->writepage and I/O completion), per page; baseline: read(2) hits of
/// the same pages (lookup, mark_page_accessed). N = 65536 cached pages on a 1 GiB machine.
/// </summary>
[BenchmarkCategory(Categories.Writeback)]
public unsafe class WritebackBenchmarks
{
    private const int N = 65536;
    private Machine _m = null!;
    private File* _file;

    [GlobalSetup]
    public void Setup()
    {
        _m = Machine.Boot(MachineDescription.Uniform(1, 4 * N));
        _m.WritebackInline = true;
        _file = _m.CreateFile(N);
        for (ulong i = 0; i < N; i++)
            _m.FileReadPage(_file, i);
        WriteAll();
    }

    [GlobalCleanup]
    public void Cleanup() => _m.Dispose();

    /// <summary>Baseline: read(2) of every page, all hits.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public void ReadAll()
    {
        for (ulong i = 0; i < N; i++)
            _m.FileReadPage(_file, i);
    }

    /// <summary>write(2) of every page; the writer's dirty limits start background writeback as they are crossed.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public void WriteAll()
    {
        for (ulong i = 0; i < N; i++)
            _m.FileWritePage(_file, i);
    }
}
