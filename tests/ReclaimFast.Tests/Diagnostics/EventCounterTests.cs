using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Threading;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Diagnostics;

/// <summary>
/// The ReclaimFast EventCounters (what <c>dotnet-counters monitor --counters ReclaimFast</c> shows): named as
/// /proc/vmstat, reading the attached machine, created only when a listener enables the source.
/// </summary>
[Collection(ZeroAllocCollection.Name)]
public sealed unsafe class EventCounterTests
{
    private sealed class CounterListener : EventListener
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, double> _last = new();
        public readonly ManualResetEventSlim Seen = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "ReclaimFast")
            {
                EnableEvents(source, EventLevel.Informational, EventKeywords.None,
                    new Dictionary<string, string?> { ["EventCounterIntervalSec"] = "0.1" });
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "EventCounters" || e.Payload is null || e.Payload.Count == 0)
                return;
            if (e.Payload[0] is not IDictionary<string, object> p)
                return;
            lock (_gate)
            {
                _last[(string)p["Name"]] = Convert.ToDouble(p["Mean"], System.Globalization.CultureInfo.InvariantCulture);
                if (_last.Count == ReclaimFastEventSource.CounterNames.Length)
                    Seen.Set();
            }
        }

        public Dictionary<string, double> Snapshot()
        {
            lock (_gate)
                return new Dictionary<string, double>(_last);
        }
    }

    [Fact]
    public void Dispose_DetachesTheMachine_AndDetachIgnoresOtherMachines()
    {
        using Machine a = Machine.Boot(MachineDescription.Uniform(1, 8192));
        Machine b = Machine.Boot(MachineDescription.Uniform(1, 8192));
        ReclaimFastEventSource.Attach(b);
        ReclaimFastEventSource.Detach(a);                  // not the attached one: no effect
        Assert.Same(b, ReclaimFastEventSource.AttachedMachine);
        b.Dispose();                                        // a counter read must never follow into freed memory
        Assert.Null(ReclaimFastEventSource.AttachedMachine);
    }

    [Fact]
    public void PollingCounters_NamedAsProcVmstat_ShowTheAttachedMachine()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 8192));
        m.CountVmEvent(VmEventItem.PgscanKswapd, 321);
        m.CountVmEvent(VmEventItem.OomKill, 4);
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrActiveFile, 77);
        long free = m.GlobalZonePageState(ZoneStatItem.NrFreePages);
        ReclaimFastEventSource.Attach(m);
        try
        {
            using var listener = new CounterListener();
            // Counters are published every 0.1 s by the runtime's timer; wait (generously) for one full round.
            Assert.True(listener.Seen.Wait(TimeSpan.FromSeconds(30)), "no EventCounters payload for every counter");
            Dictionary<string, double> c = listener.Snapshot();
            foreach (string name in new[] { "nr_free_pages", "nr_inactive_anon", "nr_active_anon", "nr_inactive_file",
                         "nr_active_file", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pswpin",
                         "pswpout", "workingset_refault", "workingset_activate", "allocstall_normal", "pageoutrun", "oom_kill" })
                Assert.True(c.ContainsKey(name), name);
            Assert.Equal(free, c["nr_free_pages"]);
            Assert.Equal(321, c["pgscan_kswapd"]);
            Assert.Equal(4, c["oom_kill"]);
            Assert.Equal(77, c["nr_active_file"]);
            Assert.Equal(0, c["pswpout"]);
        }
        finally
        {
            ReclaimFastEventSource.Detach(m);
        }
    }
}
