using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Attributes;
using ReclaimFast.Workload.Traces;

namespace ReclaimFast.Bench;

/// <summary>
/// <c>replay --policy lru</c> and <c>--policy linux</c> throughput on the real CloudPhysics w106 block trace (5,292,456 refs, see
/// shared/traces/README.md) at 64K pages (256 MiB). The trace is decoded into memory once, so this
/// measures the LRU simulator, not gzip. One operation = one page reference (OperationsPerInvoke), so
/// requests/s = 1e9 / Mean[ns]. Baseline: a plain loop summing the same in-memory block ids, the floor
/// any replay of this trace pays for walking it. When ../shared/traces is absent the class has no cases
/// (the Trace params source is empty) and says so on the console.
/// </summary>
[BenchmarkCategory(Category)]
public class ReplayBenchmarks
{
    public const string Category = "Replay";
    private const string W106 = "cloudphysics-w106.u32le.gz";
    private const int W106Refs = 5_292_456;
    private const int CapacityPages = 64 * 1024;

    private TraceRecord[] _trace = [];
    private LruCacheSimulator _sim = null!;
    private LinuxReplay _linux = null!;

    /// <summary>The trace (w106 = ../shared/traces/cloudphysics-w106.u32le.gz), when present.</summary>
    [ParamsSource(nameof(Traces))]
    public string Trace { get; set; } = "";

    public static IEnumerable<string> Traces()
    {
        if (FindTrace(W106) is null)
        {
            Console.WriteLine($"// ReplayBenchmarks skipped: {W106} not found in ../shared/traces beside the directory holding ReclaimFast.sln");
            yield break;
        }
        yield return "w106";
    }

    [GlobalSetup]
    public void Setup()
    {
        var records = new List<TraceRecord>(W106Refs);
        var buffer = new TraceRecord[8192];
        string path = FindTrace(W106) ?? throw new FileNotFoundException($"trace file not found: '{W106}'");
        using (TraceReader reader = TraceReader.Open(path, TraceFormat.U32Le))
        {
            int n;
            while ((n = reader.Read(buffer)) > 0)
                records.AddRange(buffer.AsSpan(0, n));
        }
        if (records.Count != W106Refs)
            throw new InvalidOperationException($"{path}: {records.Count} refs, expected {W106Refs} (shared/traces/README.md)");
        _trace = [.. records];
        _sim = new LruCacheSimulator(CapacityPages);
        _sim.Access(_trace); // grow the arrays to full size once
        _linux = new LinuxReplay(CapacityPages);
        _linux.Access(_trace); // the id map, the file and every pool at full size; the cache warm
    }

    [GlobalCleanup]
    public void Cleanup() => _linux?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = W106Refs)]
    public ulong SumBlockIds()
    {
        ulong sum = 0;
        TraceRecord[] trace = _trace;
        for (int i = 0; i < trace.Length; i++)
            sum += trace[i].Page;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = W106Refs)]
    public long LruReplay64KPages()
    {
        _sim.Clear();
        _sim.Access(_trace);
        return _sim.Misses;
    }

    /// <summary>
    /// <c>--policy linux</c>: the same references as read(2) of one task in a cgroup with memory.max = 64K pages
    /// (page-cache lookups, mark_page_accessed, misses charged and reclaimed through shrink_page_list). Each
    /// invocation replays the whole trace again on the warm machine.
    /// </summary>
    [Benchmark(OperationsPerInvoke = W106Refs)]
    public long LinuxReplay64KPages()
    {
        long before = _linux.Misses;
        _linux.Access(_trace);
        return _linux.Misses - before;
    }

    private static string? FindTrace(string file)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReclaimFast.sln")))
            {
                string path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces", file));
                return File.Exists(path) ? path : null;
            }
        }
        return null;
    }
}
