using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Records a machine's counters once per simulated interval, for <c>timeline.csv</c> and the plots. One row holds:
/// jiffies; per node the free pages and the sums of the zones' min/low/high watermarks (boost included, as
/// <c>wmark_pages</c>); the global LRU sizes, unevictable, swap used, slab reclaimable/unreclaimable and
/// <c>workingset_refault</c>; then every <see cref="VmEventItem"/> under its /proc/vmstat name.
/// </summary>
/// <remarks>
/// Rows live in one flat <c>long[]</c> allocated at the first sample, so sampling allocates nothing afterwards. The
/// buffer holds at most <see cref="MaxRows"/> rows: when it is full, every other row is dropped and the interval
/// doubles, so a run of any length keeps an evenly spaced, bounded timeline. Counters are cumulative, so the
/// rates written to the CSV (deltas between consecutive kept rows over their simulated time) stay exact.
/// Not a kernel structure: the kernel has no in-memory history of /proc/vmstat.
/// </remarks>
public sealed class TimelineRecorder
{
    /// <summary>Default row bound.</summary>
    public const int DefaultMaxRows = 4096;

    // Fixed leading columns; the per-node block and the events follow.
    private const int ColJiffies = 0;
    private const int NrLeading = 1;
    private const int NrPerNode = 4;        // free, min, low, high

    private static readonly (string Name, NodeStatItem Item)[] s_nodeItems =
    [
        ("nr_inactive_anon", NodeStatItem.NrInactiveAnon),
        ("nr_active_anon", NodeStatItem.NrActiveAnon),
        ("nr_inactive_file", NodeStatItem.NrInactiveFile),
        ("nr_active_file", NodeStatItem.NrActiveFile),
        ("nr_unevictable", NodeStatItem.NrUnevictable),
        ("nr_slab_reclaimable", NodeStatItem.NrSlabReclaimable),
        ("nr_slab_unreclaimable", NodeStatItem.NrSlabUnreclaimable),
        ("workingset_refault", NodeStatItem.WorkingsetRefault),
    ];

    private readonly int _nrNodes;
    private readonly int _stride;
    private readonly int _colNodes;
    private readonly int _colGlobal;
    private readonly int _colSwapUsed;
    private readonly int _colEvents;
    private readonly ImmutableArray<string> _columns;
    private long[]? _rows;
    private int _count;
    private ulong _interval;
    private ulong _nextDue;
    private int _hz;

    /// <summary>
    /// A recorder for a machine of <paramref name="nrNodes"/> nodes that samples every <paramref name="intervalJiffies"/>
    /// jiffies (0: HZ/10, i.e. every 100 ms of simulated time) and keeps at most <paramref name="maxRows"/> rows.
    /// </summary>
    public TimelineRecorder(int nrNodes, ulong intervalJiffies = 0, int maxRows = DefaultMaxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nrNodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 4);
        _nrNodes = nrNodes;
        _interval = intervalJiffies;
        MaxRows = maxRows & ~1;         // even, so halving keeps the arithmetic simple
        _colNodes = NrLeading;
        _colGlobal = _colNodes + nrNodes * NrPerNode;
        _colSwapUsed = _colGlobal + s_nodeItems.Length;
        _colEvents = _colSwapUsed + 1;
        _stride = _colEvents + VmEvent.NrVmEventItems;

        var names = ImmutableArray.CreateBuilder<string>(_stride);
        names.Add("jiffies");
        for (int n = 0; n < nrNodes; n++)
        {
            names.Add(Fmt.S($"node{n}_free"));
            names.Add(Fmt.S($"node{n}_wmark_min"));
            names.Add(Fmt.S($"node{n}_wmark_low"));
            names.Add(Fmt.S($"node{n}_wmark_high"));
        }
        foreach ((string name, _) in s_nodeItems)
            names.Add(name);
        names.Add("swap_used");
        foreach (string e in VmEvent.Text)
            names.Add(e);
        _columns = names.MoveToImmutable();
    }

    /// <summary>A recorder sized for <paramref name="machine"/>.</summary>
    public TimelineRecorder(Machine machine, ulong intervalJiffies = 0, int maxRows = DefaultMaxRows)
        : this((machine ?? throw new ArgumentNullException(nameof(machine))).NrNodes, intervalJiffies, maxRows)
    {
    }

    /// <summary>Rows kept at most (even).</summary>
    public int MaxRows { get; }

    /// <summary>Rows recorded.</summary>
    public int Count => _count;

    /// <summary>Number of NUMA nodes covered.</summary>
    public int NrNodes => _nrNodes;

    /// <summary>The sampling interval in jiffies (doubles each time the buffer fills).</summary>
    public ulong IntervalJiffies => _interval;

    /// <summary>HZ of the sampled machine (0 before the first sample).</summary>
    public int Hz => _hz;

    /// <summary>The raw column names, in row order (the CSV adds <c>seconds</c> and three rate columns).</summary>
    public ImmutableArray<string> Columns => _columns;

    /// <summary>Records one row now (whatever the interval says). A second sample at the same jiffy replaces the first.</summary>
    public unsafe void Sample(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (machine.NrNodes != _nrNodes)
            throw new ArgumentException($"recorder is for {_nrNodes} nodes, machine has {machine.NrNodes}", nameof(machine));
        if (_rows is null)
        {
            _rows = new long[_stride * MaxRows];
            _hz = machine.Hz;
            if (_interval == 0)
                _interval = (ulong)Math.Max(1, _hz / 10);
        }
        ulong now = machine.Jiffies;
        if (_count > 0 && (ulong)_rows[(_count - 1) * _stride + ColJiffies] == now)
            _count--;
        else if (_count == MaxRows)
            Halve();
        Span<long> row = _rows.AsSpan(_count * _stride, _stride);
        row[ColJiffies] = (long)now;
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = machine.NodeData(nid);
            long free = 0, min = 0, low = 0, high = 0;
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, z);
                free += zone->VmStat[(int)ZoneStatItem.NrFreePages];
                min += (long)MmZone.MinWmarkPages(zone);
                low += (long)MmZone.LowWmarkPages(zone);
                high += (long)MmZone.HighWmarkPages(zone);
            }
            int c = _colNodes + nid * NrPerNode;
            row[c] = free;
            row[c + 1] = min;
            row[c + 2] = low;
            row[c + 3] = high;
        }
        for (int i = 0; i < s_nodeItems.Length; i++)
            row[_colGlobal + i] = machine.GlobalNodePageState(s_nodeItems[i].Item);
        row[_colSwapUsed] = machine.TotalSwapPages - machine.NrSwapPages;
        for (int i = 0; i < VmEvent.NrVmEventItems; i++)
            row[_colEvents + i] = machine.VmEvent((VmEventItem)i);
        _count++;
        _nextDue = now + _interval;
    }

    /// <summary>Samples when an interval has passed since the last row (or nothing was sampled yet); true if it did.</summary>
    public bool SampleIfDue(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (_rows is not null && machine.Jiffies < _nextDue)
            return false;
        Sample(machine);
        return true;
    }

    /// <summary>Keeps rows 0, 2, 4, …; the interval doubles.</summary>
    private void Halve()
    {
        long[] rows = _rows!;
        int kept = 0;
        for (int r = 0; r < _count; r += 2)
        {
            if (r != kept)
                Array.Copy(rows, r * _stride, rows, kept * _stride, _stride);
            kept++;
        }
        _count = kept;
        _interval *= 2;
    }

    /// <summary>Column index of <paramref name="name"/> (one of <see cref="Columns"/>), or −1.</summary>
    public int ColumnIndex(string name)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            if (string.Equals(_columns[i], name, StringComparison.Ordinal))
                return i;
        }
        return -1;
    }

    /// <summary>The raw value of <paramref name="column"/> in row <paramref name="row"/>.</summary>
    public long Value(int row, int column)
    {
        if ((uint)row >= (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(row), row, $"rows are 0..{_count - 1}");
        if ((uint)column >= (uint)_stride)
            throw new ArgumentOutOfRangeException(nameof(column), column, $"columns are 0..{_stride - 1}");
        return _rows![row * _stride + column];
    }

    /// <summary>Simulated seconds at row <paramref name="row"/> (jiffies / HZ).</summary>
    public double Seconds(int row) => (double)Value(row, ColJiffies) / _hz;

    /// <summary>
    /// Per simulated second rate of the cumulative columns <paramref name="columns"/> (summed) between row
    /// <paramref name="row"/> − 1 and <paramref name="row"/>; row 0 measures from boot (jiffies 0, counters 0).
    /// </summary>
    public double Rate(int row, ReadOnlySpan<int> columns)
    {
        long now = 0, before = 0;
        foreach (int c in columns)
        {
            now += Value(row, c);
            if (row > 0)
                before += Value(row - 1, c);
        }
        long dj = Value(row, ColJiffies) - (row > 0 ? Value(row - 1, ColJiffies) : 0);
        return dj <= 0 ? 0 : (double)(now - before) * _hz / dj;
    }

    /// <summary>The CSV header: raw columns with <c>seconds</c> after <c>jiffies</c>, then the rate columns.</summary>
    public IReadOnlyList<string> CsvHeader
    {
        get
        {
            var h = new List<string>(_stride + 4) { "jiffies", "seconds" };
            for (int i = 1; i < _columns.Length; i++)
                h.Add(_columns[i]);
            h.Add("pgscan_per_s");
            h.Add("pgsteal_per_s");
            h.Add("workingset_refault_per_s");
            return h;
        }
    }

    /// <summary>
    /// Writes <c>timeline.csv</c>: the header, then one line per row. Event counters are as /proc/vmstat prints them
    /// (pgpgin/pgpgout in KiB); pages everywhere else. <c>pgscan_per_s</c> = Δ(pgscan_kswapd + pgscan_direct),
    /// <c>pgsteal_per_s</c> = Δ(pgsteal_kswapd + pgsteal_direct), <c>workingset_refault_per_s</c> = Δworkingset_refault,
    /// each per simulated second since the previous row.
    /// </summary>
    public void WriteCsv(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Join(',', CsvHeader));
        writer.Write('\n');
        int pgpgin = _colEvents + (int)VmEventItem.Pgpgin, pgpgout = _colEvents + (int)VmEventItem.Pgpgout;
        ReadOnlySpan<int> scan = [_colEvents + (int)VmEventItem.PgscanKswapd, _colEvents + (int)VmEventItem.PgscanDirect];
        ReadOnlySpan<int> steal = [_colEvents + (int)VmEventItem.PgstealKswapd, _colEvents + (int)VmEventItem.PgstealDirect];
        ReadOnlySpan<int> refault = [ColumnIndex("workingset_refault")];
        for (int r = 0; r < _count; r++)
        {
            writer.Write(Value(r, ColJiffies).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Seconds(r).ToString("0.###", CultureInfo.InvariantCulture));
            for (int c = 1; c < _stride; c++)
            {
                long v = Value(r, c);
                if (c == pgpgin || c == pgpgout)
                    v /= 2; // sectors -> KiB, as /proc/vmstat
                writer.Write(',');
                writer.Write(v.ToString(CultureInfo.InvariantCulture));
            }
            writer.Write(',');
            writer.Write(Rate(r, scan).ToString("0.###", CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Rate(r, steal).ToString("0.###", CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Rate(r, refault).ToString("0.###", CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
