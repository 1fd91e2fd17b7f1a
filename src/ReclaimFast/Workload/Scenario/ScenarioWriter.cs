using System.IO;
using System.Text;
using System.Text.Json;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// Writes a <see cref="ScenarioDefinition"/> back as scenario JSON in a canonical form (every field spelt out with its
/// value, sizes in the largest exact binary unit, times in seconds). Parsing the output gives the same scenario, so
/// two scenarios are the same exactly when their canonical JSON is.
/// </summary>
public static class ScenarioWriter
{
    /// <summary>The canonical JSON of <paramref name="s"/>.</summary>
    public static string ToJson(ScenarioDefinition s)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            if (s.Description.Length != 0)
                w.WriteString("description", s.Description);
            w.WriteNumber("seed", s.Seed);
            w.WriteNumber("duration", s.Duration);
            WriteMachine(w, s.Machine);
            w.WriteStartArray("memcgs");
            foreach (ScenarioMemcgSpec cg in s.Memcgs)
            {
                w.WriteStartObject();
                w.WriteString("path", cg.Path);
                foreach ((ScenarioMemcgKnob knob, ulong bytes) in cg.Knobs)
                    WriteLimit(w, KnobName(knob), bytes);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("files");
            foreach (ScenarioFile f in s.Files)
            {
                w.WriteStartObject();
                w.WriteString("name", f.Name);
                w.WriteString("size", ScenarioParser.FormatSize(f.Size));
                w.WriteNumber("cached", f.Cached);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("processes");
            foreach (ScenarioProcess p in s.Processes)
                WriteProcess(w, p);
            w.WriteEndArray();
            w.WriteStartArray("events");
            foreach (ScenarioEvent e in s.Events)
                WriteEvent(w, e);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteMachine(Utf8JsonWriter w, ScenarioMachine m)
    {
        w.WriteStartObject("machine");
        if (m.Nodes is not null)
        {
            w.WriteStartArray("nodes");
            foreach (ScenarioNode n in m.Nodes)
            {
                w.WriteStartObject();
                w.WriteStartObject("zones");
                WriteZone(w, "dma", n.Dma);
                WriteZone(w, "dma32", n.Dma32);
                WriteZone(w, "normal", n.Normal);
                WriteZone(w, "movable", n.Movable);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (m.Cpus is int cpus)
            w.WriteNumber("cpus", cpus);
        if (m.MinFreeKbytes is int mfk)
            w.WriteNumber("min_free_kbytes", mfk);
        w.WriteNumber("watermark_scale_factor", m.WatermarkScaleFactor);
        w.WriteNumber("swappiness", m.Swappiness);
        w.WriteStartArray("swap");
        foreach (ScenarioSwap sw in m.Swap)
        {
            w.WriteStartObject();
            w.WriteString("size", ScenarioParser.FormatSize(sw.Size));
            if (sw.Priority is int prio)
                w.WriteNumber("priority", prio);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("zone_reclaim_mode", m.ZoneReclaimMode);
        w.WriteBoolean("laptop_mode", m.LaptopMode);
        w.WriteNumber("hz", m.Hz);
        w.WriteEndObject();
    }

    private static void WriteZone(Utf8JsonWriter w, string name, long bytes)
    {
        if (bytes != 0)
            w.WriteString(name, ScenarioParser.FormatSize(bytes));
    }

    private static void WriteProcess(Utf8JsonWriter w, ScenarioProcess p)
    {
        w.WriteStartObject();
        w.WriteString("name", p.Name);
        if (p.Memcg is not null)
            w.WriteString("memcg", p.Memcg);
        w.WriteNumber("oom_score_adj", p.OomScoreAdj);
        if (p.Cpu is int cpu)
            w.WriteNumber("cpu", cpu);
        w.WriteNumber("start", p.Start);
        w.WriteStartArray("vmas");
        foreach (ScenarioVma v in p.Vmas)
        {
            w.WriteStartObject();
            w.WriteString("name", v.Name);
            w.WriteString("kind", v.Kind switch { ScenarioVmaKind.Anon => "anon", ScenarioVmaKind.PrivateFile => "private_file", _ => "shared_file" });
            w.WriteString("size", ScenarioParser.FormatSize(v.Size));
            if (v.File is not null)
                w.WriteString("file", v.File);
            w.WriteBoolean("mlock", v.Mlock);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("phases");
        foreach (ScenarioPhase ph in p.Phases)
        {
            w.WriteStartObject();
            w.WriteNumber("start", ph.Start);
            w.WriteNumber("end", ph.End);
            w.WriteString("pattern", PatternName(ph.Pattern));
            if (ph.Vma is not null)
                w.WriteString("vma", ph.Vma);
            if (ph.File is not null)
                w.WriteString("file", ph.File);
            switch (ph.Pattern)
            {
                case AccessPattern.Zipf:
                    w.WriteNumber("theta", ph.Theta);
                    break;
                case AccessPattern.HotCold:
                    w.WriteNumber("hot_fraction", ph.HotFraction);
                    w.WriteNumber("hot_probability", ph.HotProbability);
                    break;
                case AccessPattern.Stride:
                    w.WriteString("stride", ScenarioParser.FormatSize(ph.Stride));
                    break;
            }
            w.WriteNumber("write_ratio", ph.WriteRatio);
            w.WriteNumber("rate", ph.Rate);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter w, ScenarioEvent e)
    {
        w.WriteStartObject();
        w.WriteNumber("at", e.At);
        switch (e.Kind)
        {
            case ScenarioEventKind.AllocBurst:
                w.WriteString("kind", "alloc_burst");
                w.WriteString("size", ScenarioParser.FormatSize(e.Size));
                w.WriteString("gfp", e.Gfp switch { ScenarioGfp.Atomic => "atomic", ScenarioGfp.Movable => "movable", _ => "kernel" });
                if (e.Hold is double hold)
                    w.WriteNumber("hold", hold);
                break;
            case ScenarioEventKind.SlabGrow:
                w.WriteString("kind", "slab_grow");
                w.WriteNumber("objects", e.Objects);
                break;
            case ScenarioEventKind.Fork:
            case ScenarioEventKind.Exit:
                w.WriteString("kind", e.Kind == ScenarioEventKind.Fork ? "fork" : "exit");
                w.WriteString("process", e.Process);
                break;
            case ScenarioEventKind.SuspendToDisk:
                w.WriteString("kind", "suspend_to_disk");
                w.WriteString("size", ScenarioParser.FormatSize(e.Size));
                break;
            case ScenarioEventKind.ForceEmpty:
                w.WriteString("kind", "force_empty");
                w.WriteString("memcg", e.Memcg);
                break;
            case ScenarioEventKind.SetLimit:
                w.WriteString("kind", "set_limit");
                w.WriteString("memcg", e.Memcg);
                w.WriteString("knob", KnobName(e.Knob));
                WriteLimit(w, "value", e.Value);
                break;
            case ScenarioEventKind.DropCaches:
                w.WriteString("kind", "drop_caches");
                w.WriteNumber("value", e.Value);
                break;
        }
        w.WriteEndObject();
    }

    private static void WriteLimit(Utf8JsonWriter w, string name, ulong bytes)
    {
        if (bytes == ulong.MaxValue)
            w.WriteString(name, "max");
        else
            w.WriteString(name, ScenarioParser.FormatSize((long)bytes));
    }

    private static string KnobName(ScenarioMemcgKnob k) => k switch
    {
        ScenarioMemcgKnob.Max => "max",
        ScenarioMemcgKnob.High => "high",
        ScenarioMemcgKnob.Low => "low",
        ScenarioMemcgKnob.Min => "min",
        ScenarioMemcgKnob.SwapMax => "swap_max",
        _ => "soft_limit",
    };

    private static string PatternName(AccessPattern p) => p switch
    {
        AccessPattern.Sequential => "sequential",
        AccessPattern.Uniform => "uniform",
        AccessPattern.Zipf => "zipf",
        AccessPattern.Loop => "loop",
        AccessPattern.HotCold => "hot_cold",
        _ => "stride",
    };
}
