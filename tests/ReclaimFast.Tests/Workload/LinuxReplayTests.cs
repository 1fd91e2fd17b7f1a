using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Workload.Traces;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>
/// <c>replay --policy linux</c>: the trace as read(2)/write(2) of one task in a cgroup whose memory.max is the cache
/// size, on a machine where global reclaim never starts.
/// </summary>
public class LinuxReplayTests
{
    private const string Multi1 = "lirs-multi1.trace.gz";
    private const string CloudPhysicsIO = "cloudPhysicsIO.csv.gz";

    private static TraceRecord[] Load(string file, TraceFormat format)
    {
        var list = new System.Collections.Generic.List<TraceRecord>();
        var buffer = new TraceRecord[4096];
        using TraceReader reader = TraceReader.Open(TraceFiles.PathOf(file), format);
        int n;
        while ((n = reader.Read(buffer)) > 0)
            list.AddRange(buffer[..n]);
        return [.. list];
    }

    [TraceFact(Multi1)]
    public void CacheLargerThanTheTrace_MissesOnlyTheFirstReferences()
    {
        // multi1: 15,858 references to 2,606 distinct pages (shared/traces/README.md). With room for all of them,
        // the only misses are the compulsory ones, exactly as for a plain LRU.
        TraceRecord[] trace = Load(Multi1, TraceFormat.Lirs);
        using var replay = new LinuxReplay(4096);
        replay.Access(trace);
        Assert.Equal(15_858, replay.Requests);
        Assert.Equal(2_606, replay.DistinctPages);
        Assert.Equal(2_606, replay.Misses);
        Assert.Equal(0, replay.Machine.VmEvent(VmEventItem.PgscanKswapd) + replay.Machine.VmEvent(VmEventItem.PgscanDirect));
    }

    [TraceFact(Multi1)]
    public void AtCapacity_TheCgroupLimitIsTheOnlyPressure_AndTheRunIsDeterministic()
    {
        TraceRecord[] trace = Load(Multi1, TraceFormat.Lirs);
        long Run(out long refaults)
        {
            using var replay = new LinuxReplay(500);
            replay.Access(trace);
            Machine m = replay.Machine;
            // memory.max is 500 pages: the cgroup never holds more; global reclaim never ran.
            Assert.True(m.MemCgroupMemoryCurrent(LinuxReplay.CgroupPath) <= 500UL * 4096);
            Assert.Equal(0, m.VmEvent(VmEventItem.PgscanKswapd) + m.VmEvent(VmEventItem.PgscanDirect));
            Assert.Equal(0, m.VmEvent(VmEventItem.AllocstallNormal) + m.VmEvent(VmEventItem.AllocstallDma32));
            Assert.True(m.MemCgroupEvent(LinuxReplay.CgroupPath, Mm.Memcontrol.MemcgEventItem.Max) > 0);
            Assert.True(m.GlobalNodePageState(NodeStatItem.WorkingsetRefault) > 0);
            refaults = m.GlobalNodePageState(NodeStatItem.WorkingsetRefault);
            // Each distinct page misses at least once (its first reference).
            Assert.True(replay.Misses >= replay.DistinctPages);
            return replay.Misses;
        }
        long a = Run(out long ra), b = Run(out long rb);
        Assert.Equal(a, b);
        Assert.Equal(ra, rb);
    }

    [TraceFact(CloudPhysicsIO)]
    public void Writes_AreWrittenBackByTheFlusher_AndTheCgroupNeverOoms()
    {
        // cloudPhysicsIO page-split: 1,141,869 references to 269,210 pages, reads and writes, at 8,192 pages.
        TraceRecord[] trace = Load(CloudPhysicsIO, TraceFormat.Csv);
        using var replay = new LinuxReplay(8192);
        replay.Access(trace);
        Machine m = replay.Machine;
        Assert.Equal(1_141_869, replay.Requests);
        Assert.Equal(269_210, replay.DistinctPages);
        Assert.True(m.GlobalNodePageState(NodeStatItem.NrWritten) > 0);
        Assert.True(m.FlusherPagesWritten > 0);
        Assert.Equal(0, m.MemCgroupEvent(LinuxReplay.CgroupPath, Mm.Memcontrol.MemcgEventItem.Oom));
        Assert.True(m.MemCgroupMemoryCurrent(LinuxReplay.CgroupPath) <= 8192UL * 4096);
        Assert.Equal(0, m.VmEvent(VmEventItem.PgscanKswapd) + m.VmEvent(VmEventItem.PgscanDirect));
        m.CheckInvariants();
    }
}

[Collection(ZeroAllocCollection.Name)]
public class LinuxReplayZeroAllocTests
{
    [TraceFact("lirs-multi1.trace.gz")]
    public void ReplayAfterWarmup_AllocatesNothing()
    {
        var list = new System.Collections.Generic.List<TraceRecord>();
        var buffer = new TraceRecord[4096];
        using (TraceReader reader = TraceReader.Open(TraceFiles.PathOf("lirs-multi1.trace.gz"), TraceFormat.Lirs))
        {
            int n;
            while ((n = reader.Read(buffer)) > 0)
                list.AddRange(buffer[..n]);
        }
        TraceRecord[] trace = [.. list];
        using var replay = new LinuxReplay(500);
        AllocationAssert.ZeroAllocations(() => replay.Access(trace), () => replay.Access(trace));
    }
}
