using System;
using System.IO;
using ReclaimFast.Diagnostics;
using ScottPlot;

namespace ReclaimFast.Cli.Output;

/// <summary>
/// The three plots of a run, drawn with ScottPlot from the <see cref="TimelineRecorder"/> (x = simulated seconds):
/// <c>free-vs-watermarks.png</c> (two panels per node: free pages against the node's min/low/high watermark sums, in
/// full and zoomed on 0 .. 3 × high),
/// <c>lru-sizes.png</c> (the four LRU lists, unevictable, swap used and slab, in pages) and
/// <c>scan-steal-refault.png</c> (pgscan and pgsteal per simulated second; workingset_refault in a panel below).
/// </summary>
internal static class Plots
{
    private const int Width = 1200;
    private const int PanelHeight = 320;

    /// <summary>Writes the three PNGs into <paramref name="dir"/>.</summary>
    public static void Write(TimelineRecorder t, string dir)
    {
        double[] x = new double[t.Count];
        for (int r = 0; r < x.Length; r++)
            x[r] = t.Seconds(r);
        FreeVsWatermarks(t, x, Path.Combine(dir, "free-vs-watermarks.png"));
        LruSizes(t, x, Path.Combine(dir, "lru-sizes.png"));
        ScanStealRefault(t, x, Path.Combine(dir, "scan-steal-refault.png"));
    }

    private static void FreeVsWatermarks(TimelineRecorder t, double[] x, string path)
    {
        // Two panels per node: the whole range, and a zoom on the band where the watermarks are (0 .. 3 × the
        // highest "high"), since on a large machine they are a thin line at the bottom of the first.
        var multi = new Multiplot();
        for (int nid = 0; nid < t.NrNodes; nid++)
        {
            double[] free = Column(t, $"node{nid}_free");
            double[] min = Column(t, $"node{nid}_wmark_min");
            double[] low = Column(t, $"node{nid}_wmark_low");
            double[] high = Column(t, $"node{nid}_wmark_high");
            for (int zoom = 0; zoom < 2; zoom++)
            {
                Plot plot = nid == 0 && zoom == 0 ? multi.GetPlot(0) : multi.AddPlot();
                Line(plot, x, free, "free", Colors.Blue);
                Line(plot, x, min, "min", Colors.Red);
                Line(plot, x, low, "low", Colors.Orange);
                Line(plot, x, high, "high", Colors.Green);
                if (zoom == 0)
                {
                    Decorate(plot, $"Node {nid}: free pages against the watermarks", "pages");
                }
                else
                {
                    double top = 0;
                    foreach (double h in high)
                        top = Math.Max(top, h);
                    plot.Axes.SetLimitsY(0, Math.Max(3 * top, 16));
                    Decorate(plot, $"Node {nid}: near the watermarks (0 .. 3 × high)", "pages");
                }
            }
        }
        multi.SavePng(path, Width, PanelHeight * 2 * t.NrNodes);
    }

    private static void LruSizes(TimelineRecorder t, double[] x, string path)
    {
        var plot = new Plot();
        Line(plot, x, Column(t, "nr_active_anon"), "active anon", Colors.DarkRed);
        Line(plot, x, Column(t, "nr_inactive_anon"), "inactive anon", Colors.Salmon);
        Line(plot, x, Column(t, "nr_active_file"), "active file", Colors.DarkBlue);
        Line(plot, x, Column(t, "nr_inactive_file"), "inactive file", Colors.SkyBlue);
        Line(plot, x, Column(t, "nr_unevictable"), "unevictable", Colors.Gray);
        Line(plot, x, Column(t, "swap_used"), "swap used", Colors.Purple);
        Line(plot, x, Sum(t, "nr_slab_reclaimable", "nr_slab_unreclaimable"), "slab", Colors.Olive);
        Decorate(plot, "LRU list sizes", "pages");
        plot.SavePng(path, Width, 2 * PanelHeight);
    }

    private static void ScanStealRefault(TimelineRecorder t, double[] x, string path)
    {
        // Refaults get their own panel: they are often orders of magnitude below the scan rate.
        var multi = new Multiplot();
        Plot top = multi.GetPlot(0);
        double[] scan = Rate(t, "pgscan_kswapd", "pgscan_direct"), steal = Rate(t, "pgsteal_kswapd", "pgsteal_direct");
        Line(top, x, scan, "pgscan", Colors.Orange);
        Line(top, x, steal, "pgsteal", Colors.Green);
        Decorate(top, "Reclaim: pages scanned and stolen per simulated second", "pages/s");
        FromZero(top, scan);
        Plot bottom = multi.AddPlot();
        double[] refault = Rate(t, "workingset_refault");
        Line(bottom, x, refault, "workingset_refault", Colors.Red);
        Decorate(bottom, "Refaults per simulated second", "pages/s");
        FromZero(bottom, refault);
        multi.SavePng(path, Width, 2 * PanelHeight);
    }

    /// <summary>Rates and sizes are never negative: the y axis starts at 0.</summary>
    private static void FromZero(Plot plot, double[] y)
    {
        double max = 0;
        foreach (double v in y)
            max = Math.Max(max, v);
        plot.Axes.SetLimitsY(0, max > 0 ? max * 1.05 : 1);
    }

    private static void Line(Plot plot, double[] x, double[] y, string label, Color color)
    {
        var s = plot.Add.ScatterLine(x, y, color);
        s.LegendText = label;
        s.LineWidth = 2;
    }

    private static void Decorate(Plot plot, string title, string yLabel)
    {
        plot.Title(title);
        plot.XLabel("simulated seconds");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static double[] Column(TimelineRecorder t, string name) => Sum(t, name);

    private static double[] Sum(TimelineRecorder t, params string[] names)
    {
        double[] y = new double[t.Count];
        foreach (string name in names)
        {
            int c = Index(t, name);
            for (int r = 0; r < y.Length; r++)
                y[r] += t.Value(r, c);
        }
        return y;
    }

    private static double[] Rate(TimelineRecorder t, params string[] names)
    {
        int[] cols = Array.ConvertAll(names, n => Index(t, n));
        double[] y = new double[t.Count];
        for (int r = 0; r < y.Length; r++)
            y[r] = t.Rate(r, cols);
        return y;
    }

    private static int Index(TimelineRecorder t, string name)
    {
        int c = t.ColumnIndex(name);
        return c >= 0 ? c : throw new InvalidOperationException($"timeline has no column '{name}'");
    }
}
