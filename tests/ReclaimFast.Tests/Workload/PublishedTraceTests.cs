using System;
using System.Collections.Generic;
using ReclaimFast.Workload.Traces;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>
/// The real traces in ../shared/traces against the figures published in shared/traces/README.md:
/// totals of each file and single-list LRU miss ratios (to the 4 decimals given). A plain LRU that misses
/// them has a bug in its trace front end or its accounting.
/// </summary>
public class PublishedTraceTests
{
    private const string CloudPhysicsIO = "cloudPhysicsIO.csv.gz";
    private const string Multi1 = "lirs-multi1.trace.gz";
    private const string W106 = "cloudphysics-w106.u32le.gz";

    [TraceFact(Multi1)]
    public void Multi1_LruAt500Pages_Is0_5349()
    {
        using TraceReader reader = TraceReader.Open(TraceFiles.PathOf(Multi1), TraceFormat.Lirs);
        var sim = new LruCacheSimulator(500);
        sim.Replay(reader, new TraceRecord[4096]);
        Assert.Equal(15_858, sim.Requests);
        Assert.Equal(0.5349, Math.Round(sim.MissRatio, 4));
    }

    [TraceFact(CloudPhysicsIO)]
    public void CloudPhysicsIO_PageSplitLru_MatchesPublishedMissRatios()
    {
        TraceRecord[] trace = Load(CloudPhysicsIO, TraceFormat.Csv, out _);
        foreach ((int pages, double published) in new[] { (8_192, 0.8906), (32_768, 0.8687), (65_536, 0.7508), (131_072, 0.5317) })
        {
            var sim = new LruCacheSimulator(pages);
            sim.Access(trace);
            Assert.Equal(1_141_869, sim.Requests);
            Assert.True(published == Math.Round(sim.MissRatio, 4), $"{pages} pages: published {published}, got {sim.MissRatio}");
        }
    }

    [TraceFact(CloudPhysicsIO)]
    public void CloudPhysicsIO_Totals()
    {
        TraceRecord[] trace = Load(CloudPhysicsIO, TraceFormat.Csv, out long requests);
        Assert.Equal(113_872, requests);
        Assert.Equal(1_141_869, trace.Length);
        Assert.Equal(269_210, Distinct(trace));
    }

    [TraceFact(W106)]
    public void W106_Totals()
    {
        TraceRecord[] trace = Load(W106, TraceFormat.U32Le, out long records);
        Assert.Equal(5_292_456, records);
        Assert.Equal(5_292_456, trace.Length);
        Assert.Equal(275_171, Distinct(trace));
    }

    [TraceTheory(Multi1)]
    [InlineData("multi1", 15_858, 2_606)]
    [InlineData("multi2", 26_311, 5_684)]
    [InlineData("multi3", 30_241, 7_454)]
    [InlineData("sprite", 133_996, 7_075)]
    [InlineData("2_pools", 100_000, 9_939)]
    [InlineData("cs", 6_781, 1_409)]
    [InlineData("cpp", 9_047, 1_223)]
    [InlineData("gli", 6_015, 2_529)]
    [InlineData("ps", 10_448, 3_083)]
    [InlineData("loop", 505_500, 1_011)]
    public void LirsTraces_Totals(string name, int refs, int distinct)
    {
        TraceRecord[] trace = Load($"lirs-{name}.trace.gz", TraceFormat.Lirs, out long records);
        Assert.Equal(refs, records);
        Assert.Equal(refs, trace.Length);
        Assert.Equal(distinct, Distinct(trace));
    }

    private static TraceRecord[] Load(string file, TraceFormat format, out long records)
    {
        using TraceReader reader = TraceReader.Open(TraceFiles.PathOf(file), format);
        var all = TraceTestData.ReadAll(reader, 8192);
        records = reader.RecordsRead;
        Assert.Equal(all.Count, reader.PagesRead);
        return [.. all];
    }

    private static int Distinct(TraceRecord[] trace)
    {
        var set = new HashSet<ulong>();
        foreach (TraceRecord r in trace)
            set.Add(r.Page);
        return set.Count;
    }
}
