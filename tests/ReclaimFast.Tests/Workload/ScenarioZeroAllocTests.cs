using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>Once a scenario's processes are mapped and running, their steps (generator draws, MMU accesses, faults, reclaim) allocate nothing.</summary>
[Collection(ZeroAllocCollection.Name)]
public sealed class ScenarioZeroAllocTests
{
    [Fact]
    public void ProcessSteps_AllocateNothing()
    {
        // 128 MiB, 160 MiB of anon and a file read in a loop: faults, swap-out and page-cache reclaim in the measured steps.
        const string json = """
            {
              "name": "za", "duration": "100s",
              "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "112MiB" } } ], "swap": [ { "size": "256MiB" } ] },
              "files": [ { "name": "f", "size": "64MiB" } ],
              "processes": [
                { "name": "a", "vmas": [ { "name": "v", "kind": "anon", "size": "160MiB" } ],
                  "phases": [ { "start": 0, "end": "100s", "pattern": "zipf", "vma": "v", "theta": 0.6, "write_ratio": 0.5, "rate": 40000 } ] },
                { "name": "b", "phases": [ { "start": 0, "end": "100s", "pattern": "loop", "file": "f", "rate": 20000 } ] }
              ]
            }
            """;
        using var r = new ScenarioRunner(ScenarioParser.Parse(json, "za.json"));
        r.Boot();
        Machine m = r.Machine;
        m.Run(3000); // map, fill memory, start reclaiming
        var before = ReclaimFast.Cli.Commands.RunCommand.Vmstat(m);
        AllocationAssert.ZeroAllocations(() => m.Run(500), () => m.Run(1000));
        var after = ReclaimFast.Cli.Commands.RunCommand.Vmstat(m);
        foreach (string counter in new[] { "pgfault", "pswpout", "pgsteal_kswapd" })
            Assert.True(after[counter] > before[counter], $"{counter} did not move during the measured steps");
    }
}
