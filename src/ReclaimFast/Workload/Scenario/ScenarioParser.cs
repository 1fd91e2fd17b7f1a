using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// Reads a scenario from JSON (walking a <see cref="JsonDocument"/> by hand: no reflection) and validates it. Every
/// problem is a <see cref="ScenarioException"/> whose one-line message names the file, the JSON path of the field and
/// the value: malformed JSON (line and column), unknown or duplicate fields, wrong types or units, negative or
/// impossible sizes, references to a missing memcg, file, VMA or process, and time windows that make no sense.
/// </summary>
/// <remarks>
/// Sizes are a JSON integer (bytes) or a string: a non-negative integer and one of the binary units <c>B</c>,
/// <c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c> (case-insensitive; <c>KB</c>/<c>GB</c> are refused in scenario files
/// so that nobody wonders whether they mean 10^9). Times are a JSON number of simulated seconds or a string with
/// <c>ms</c>, <c>s</c> or <c>min</c>.
/// </remarks>
public static class ScenarioParser
{
    /// <summary>ZONE_DMA covers the first 16 MiB of physical memory (x86-64 MAX_DMA_PFN).</summary>
    public const long DmaLimitBytes = 16L << 20;

    /// <summary>ZONE_DMA32 ends at 4 GiB (MAX_DMA32_PFN).</summary>
    public const long Dma32LimitBytes = 4L << 30;

    /// <summary>Reads and validates the scenario file at <paramref name="path"/>.</summary>
    public static ScenarioDefinition ParseFile(string path)
    {
        string name = Path.GetFileName(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ScenarioException($"{path}: no such scenario file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"{path}: cannot read: {e.Message}", e);
        }
        return Parse(bytes, name);
    }

    /// <summary>Reads and validates a scenario from its JSON text; <paramref name="source"/> names it in messages.</summary>
    public static ScenarioDefinition Parse(string json, string source) => Parse(Encoding.UTF8.GetBytes(json), source);

    /// <summary>Reads and validates a scenario from UTF-8 JSON; <paramref name="source"/> names it in messages.</summary>
    public static ScenarioDefinition Parse(ReadOnlyMemory<byte> utf8, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            string what = e.Message;
            int cut = what.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut < 0)
                cut = what.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0)
                what = what.Substring(0, cut);
            what = what.Replace('\n', ' ').Replace('\r', ' ').TrimEnd();
            throw new ScenarioException(
                $"{source}: line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: malformed JSON: {what}", e);
        }
        using (doc)
            return new Reader(source).Scenario(doc.RootElement);
    }

    /// <summary>The walker: carries the source name for messages.</summary>
    private sealed class Reader(string source)
    {
        private static readonly string[] s_rootFields = ["name", "description", "seed", "duration", "machine", "memcgs", "files", "processes", "events"];
        private static readonly string[] s_machineFields =
            ["nodes", "cpus", "min_free_kbytes", "watermark_scale_factor", "swappiness", "swap", "zone_reclaim_mode", "laptop_mode", "hz"];
        private static readonly string[] s_nodeFields = ["zones"];
        private static readonly string[] s_zoneFields = ["dma", "dma32", "normal", "movable"];
        private static readonly string[] s_swapFields = ["size", "priority"];
        private static readonly string[] s_memcgFields = ["path", "max", "high", "low", "min", "swap_max", "soft_limit"];
        private static readonly string[] s_fileFields = ["name", "size", "cached"];
        private static readonly string[] s_processFields = ["name", "memcg", "oom_score_adj", "cpu", "start", "vmas", "phases"];
        private static readonly string[] s_vmaFields = ["name", "kind", "size", "file", "mlock"];
        private static readonly string[] s_phaseFields =
            ["start", "end", "pattern", "vma", "file", "theta", "hot_fraction", "hot_probability", "stride", "write_ratio", "op", "rate"];
        private static readonly string[] s_eventFields = ["at", "kind", "size", "gfp", "hold", "objects", "process", "memcg", "knob", "value"];

        private readonly string _source = source;

        public ScenarioDefinition Scenario(JsonElement root)
        {
            Dictionary<string, JsonElement> f = Fields(root, "", s_rootFields);
            string name = RequiredString(f, "", "name");
            string description = OptionalString(f, "", "description") ?? "";
            ulong seed = 0;
            if (f.TryGetValue("seed", out JsonElement seedEl))
            {
                if (seedEl.ValueKind != JsonValueKind.Number || !seedEl.TryGetUInt64(out seed))
                    Fail("seed", seedEl, "is not a seed (a non-negative integer below 2^64)");
            }
            double duration = Time(Required(f, "", "duration"), "duration");
            if (duration <= 0)
                Fail("duration", f["duration"], "must be longer than 0");

            ScenarioMachine machine = f.TryGetValue("machine", out JsonElement m) ? Machine(m, "machine") : new ScenarioMachine();

            var memcgs = new List<ScenarioMemcgSpec>();
            var memcgPaths = new HashSet<string>(StringComparer.Ordinal) { "/" };
            foreach ((JsonElement e, string p) in Array(f, "memcgs"))
            {
                ScenarioMemcgSpec cg = Memcg(e, p, memcgPaths);
                memcgs.Add(cg);
                memcgPaths.Add(cg.Path);
            }

            var files = new List<ScenarioFile>();
            var fileSizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach ((JsonElement e, string p) in Array(f, "files"))
            {
                ScenarioFile file = File(e, p);
                if (!fileSizes.TryAdd(file.Name, file.Size))
                    Fail(p + ".name", e.GetProperty("name"), "names a file twice");
                files.Add(file);
            }

            int cpus = machine.Cpus ?? (machine.Nodes is null ? MachineDescription.Default.NrCpus : machine.Nodes.Count);
            var processes = new List<ScenarioProcess>();
            var processNames = new HashSet<string>(StringComparer.Ordinal);
            foreach ((JsonElement e, string p) in Array(f, "processes"))
            {
                ScenarioProcess proc = Process(e, p, memcgPaths, fileSizes, cpus, duration);
                if (!processNames.Add(proc.Name))
                    Fail(p + ".name", e.GetProperty("name"), "names a process twice");
                processes.Add(proc);
            }

            var events = new List<ScenarioEvent>();
            foreach ((JsonElement e, string p) in Array(f, "events"))
                events.Add(Event(e, p, memcgPaths, processNames, duration));

            return new ScenarioDefinition
            {
                Source = _source,
                Name = name,
                Description = description,
                Seed = seed,
                Duration = duration,
                Machine = machine,
                Memcgs = memcgs,
                Files = files,
                Processes = processes,
                Events = events,
            };
        }

        private ScenarioMachine Machine(JsonElement el, string path)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_machineFields);
            List<ScenarioNode>? nodes = null;
            if (f.ContainsKey("nodes"))
            {
                nodes = [];
                long pfnBytes = 0; // nodes are laid out one after another from physical address 0
                foreach ((JsonElement e, string p) in Array(f, "nodes", path))
                {
                    nodes.Add(Node(e, p, nodes.Count, ref pfnBytes));
                }
                if (nodes.Count == 0)
                    Fail(path + ".nodes", f["nodes"], "needs at least one node");
                if (nodes.Count > Mm.PageAlloc.MmZone.MaxNumNodes)
                    Fail(path + ".nodes", $"{nodes.Count} nodes", $"is more than MAX_NUMNODES ({Mm.PageAlloc.MmZone.MaxNumNodes})");
            }
            int? cpus = OptionalInt(f, path, "cpus", 1, MachineDescription.MaxCpus);
            int? minFree = OptionalInt(f, path, "min_free_kbytes", 0, int.MaxValue);
            int wsf = OptionalInt(f, path, "watermark_scale_factor", 1, 1000) ?? 10;
            int swappiness = OptionalInt(f, path, "swappiness", 0, 100) ?? 60;
            int zrm = OptionalInt(f, path, "zone_reclaim_mode", 0, 7) ?? 0;
            int hz = OptionalInt(f, path, "hz", 10, 10000) ?? 250;
            bool laptop = OptionalBool(f, path, "laptop_mode") ?? false;
            var swap = new List<ScenarioSwap>();
            foreach ((JsonElement e, string p) in Array(f, "swap", path))
            {
                Dictionary<string, JsonElement> sf = Fields(e, p, s_swapFields);
                long size = Size(Required(sf, p, "size"), p + ".size");
                if (size < 2 * Mm.Types.Pfn.PageSize)
                    Fail(p + ".size", sf["size"], "is too small for a swap device (the header page and at least one slot: 8KiB)");
                swap.Add(new ScenarioSwap { Size = size, Priority = OptionalInt(sf, p, "priority", 0, short.MaxValue) });
            }
            if (swap.Count > Mm.Swap.SwpEntry.MaxSwapfiles)
                Fail(path + ".swap", $"{swap.Count} devices", $"is more than MAX_SWAPFILES ({Mm.Swap.SwpEntry.MaxSwapfiles})");
            return new ScenarioMachine
            {
                Nodes = nodes,
                Cpus = cpus,
                MinFreeKbytes = minFree,
                WatermarkScaleFactor = wsf,
                Swappiness = swappiness,
                Swap = swap,
                ZoneReclaimMode = zrm,
                LaptopMode = laptop,
                Hz = hz,
            };
        }

        private ScenarioNode Node(JsonElement el, string path, int nid, ref long cursor)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_nodeFields);
            string zp = path + ".zones";
            Dictionary<string, JsonElement> z = Fields(Required(f, path, "zones"), zp, s_zoneFields);
            if (z.Count == 0)
                Fail(zp, f["zones"], "a node needs at least one zone");
            long dma = ZoneSize(z, zp, "dma");
            long dma32 = ZoneSize(z, zp, "dma32");
            long normal = ZoneSize(z, zp, "normal");
            long movable = ZoneSize(z, zp, "movable");
            // Zones of a node follow each other in physical memory: DMA must end by 16 MiB, DMA32 by 4 GiB.
            if (dma > 0 && cursor + dma > DmaLimitBytes)
            {
                Fail(zp + ".dma", z["dma"], cursor == 0
                    ? $"is larger than ZONE_DMA allows (it covers the first {FormatSize(DmaLimitBytes)} of physical memory)"
                    : $"cannot fit: ZONE_DMA covers the first {FormatSize(DmaLimitBytes)} of physical memory and earlier nodes use {FormatSize(cursor)}");
            }
            cursor += dma;
            if (dma32 > 0 && cursor + dma32 > Dma32LimitBytes)
            {
                Fail(zp + ".dma32", z["dma32"],
                    $"is larger than node {nid} allows: ZONE_DMA32 ends at {FormatSize(Dma32LimitBytes)} and it would start at {FormatSize(cursor)}");
            }
            cursor += dma32;
            cursor += normal;
            cursor += movable;
            if (cursor > (long)(MachineDescription.MaxSupportedPfn << Mm.Types.Pfn.PageShift) || cursor < 0)
                Fail(zp, f["zones"], $"makes the machine larger than {FormatSize((long)(MachineDescription.MaxSupportedPfn << Mm.Types.Pfn.PageShift))}");
            return new ScenarioNode { Dma = dma, Dma32 = dma32, Normal = normal, Movable = movable };
        }

        private long ZoneSize(Dictionary<string, JsonElement> z, string zp, string name)
        {
            if (!z.TryGetValue(name, out JsonElement el))
                return 0;
            long size = Size(el, zp + "." + name);
            if (size == 0)
                Fail(zp + "." + name, el, "is empty (leave the zone out instead)");
            if ((size & (Mm.Types.Pfn.PageSize - 1)) != 0)
                Fail(zp + "." + name, el, "is not a whole number of 4KiB pages");
            return size;
        }

        private ScenarioMemcgSpec Memcg(JsonElement el, string path, HashSet<string> known)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_memcgFields);
            JsonElement pathEl = Required(f, path, "path");
            string cg = RequiredString(f, path, "path");
            if (cg.Length < 2 || cg[0] != '/' || cg[^1] == '/' || cg.Contains("//", StringComparison.Ordinal))
                Fail(path + ".path", pathEl, "is not a cgroup path (like \"/batch\" or \"/batch/sort\"; the root \"/\" always exists)");
            if (known.Contains(cg))
                Fail(path + ".path", pathEl, "names a memcg twice");
            string parent = cg.Substring(0, cg.LastIndexOf('/'));
            if (parent.Length == 0)
                parent = "/";
            if (!known.Contains(parent))
                Fail(path + ".path", pathEl, $"is under a missing parent \"{parent}\" (declare the parent first)");
            var knobs = new List<(ScenarioMemcgKnob, ulong)>();
            foreach ((string field, ScenarioMemcgKnob knob) in s_knobs)
            {
                if (f.TryGetValue(field, out JsonElement v))
                    knobs.Add((knob, Limit(v, path + "." + field)));
            }
            return new ScenarioMemcgSpec { Path = cg, Knobs = knobs };
        }

        private static readonly (string Field, ScenarioMemcgKnob Knob)[] s_knobs =
        [
            ("max", ScenarioMemcgKnob.Max), ("high", ScenarioMemcgKnob.High), ("low", ScenarioMemcgKnob.Low),
            ("min", ScenarioMemcgKnob.Min), ("swap_max", ScenarioMemcgKnob.SwapMax), ("soft_limit", ScenarioMemcgKnob.SoftLimit),
        ];

        private ulong Limit(JsonElement el, string path)
        {
            if (el.ValueKind == JsonValueKind.String && el.GetString() == "max")
                return ulong.MaxValue;
            return (ulong)Size(el, path);
        }

        private ScenarioFile File(JsonElement el, string path)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_fileFields);
            string name = RequiredString(f, path, "name");
            long size = Size(Required(f, path, "size"), path + ".size");
            if (size == 0)
                Fail(path + ".size", f["size"], "is empty (a file needs at least one byte)");
            double cached = 0;
            if (f.TryGetValue("cached", out JsonElement c))
            {
                cached = c.ValueKind switch
                {
                    JsonValueKind.True => 1,
                    JsonValueKind.False => 0,
                    JsonValueKind.Number => c.GetDouble(),
                    _ => -1,
                };
                if (c.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number) || cached < 0 || cached > 1)
                    Fail(path + ".cached", c, "is not a fraction 0..1 or true/false");
            }
            return new ScenarioFile { Name = name, Size = size, Cached = cached };
        }

        private ScenarioProcess Process(JsonElement el, string path, HashSet<string> memcgs, Dictionary<string, long> files, int cpus, double duration)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_processFields);
            string name = RequiredString(f, path, "name");
            string? memcg = OptionalString(f, path, "memcg");
            if (memcg is not null && !memcgs.Contains(memcg))
                Fail(path + ".memcg", f["memcg"], "names a missing memcg (declare it under \"memcgs\")");
            int adj = OptionalInt(f, path, "oom_score_adj", -1000, 1000) ?? 0;
            int? cpu = OptionalInt(f, path, "cpu", 0, int.MaxValue);
            if (cpu is int c && c >= cpus)
                Fail(path + ".cpu", f["cpu"], $"is not a CPU of the machine (cpus 0..{cpus - 1})");
            double start = f.TryGetValue("start", out JsonElement st) ? Time(st, path + ".start") : 0;
            if (start >= duration)
                Fail(path + ".start", st, $"is not before the scenario's end ({FormatTime(duration)})");

            var vmas = new List<ScenarioVma>();
            var vmaNames = new HashSet<string>(StringComparer.Ordinal);
            foreach ((JsonElement e, string p) in Array(f, "vmas", path))
            {
                ScenarioVma v = Vma(e, p, files);
                if (!vmaNames.Add(v.Name))
                    Fail(p + ".name", e.GetProperty("name"), "names a VMA twice in this process");
                vmas.Add(v);
            }
            var phases = new List<ScenarioPhase>();
            foreach ((JsonElement e, string p) in Array(f, "phases", path))
                phases.Add(Phase(e, p, vmaNames, files, duration));
            return new ScenarioProcess { Name = name, Memcg = memcg, OomScoreAdj = adj, Cpu = cpu, Start = start, Vmas = vmas, Phases = phases };
        }

        private ScenarioVma Vma(JsonElement el, string path, Dictionary<string, long> files)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_vmaFields);
            string name = RequiredString(f, path, "name");
            string kindText = RequiredString(f, path, "kind");
            ScenarioVmaKind kind = kindText switch
            {
                "anon" => ScenarioVmaKind.Anon,
                "private_file" => ScenarioVmaKind.PrivateFile,
                "shared_file" => ScenarioVmaKind.SharedFile,
                _ => FailEnum<ScenarioVmaKind>(path + ".kind", f["kind"], "anon, private_file, shared_file"),
            };
            long size = Size(Required(f, path, "size"), path + ".size");
            if (size == 0)
                Fail(path + ".size", f["size"], "is empty (a VMA needs at least one page)");
            string? file = OptionalString(f, path, "file");
            if (kind == ScenarioVmaKind.Anon && file is not null)
                Fail(path + ".file", f["file"], "is not allowed on an anon VMA");
            if (kind != ScenarioVmaKind.Anon)
            {
                if (file is null)
                    Fail(path + ".file", "(missing)", $"is required for a {kindText} VMA");
                if (!files.TryGetValue(file!, out long fileSize))
                    Fail(path + ".file", f["file"], "names a missing file (declare it under \"files\")");
                else if (size > RoundUpToPage(fileSize))
                    Fail(path + ".size", f["size"], $"is larger than file \"{file}\" ({FormatSize(fileSize)}); pages past its end would raise SIGBUS");
            }
            bool mlock = OptionalBool(f, path, "mlock") ?? false;
            return new ScenarioVma { Name = name, Kind = kind, Size = size, File = file, Mlock = mlock };
        }

        private ScenarioPhase Phase(JsonElement el, string path, HashSet<string> vmas, Dictionary<string, long> files, double duration)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_phaseFields);
            double start = Time(Required(f, path, "start"), path + ".start");
            double end = Time(Required(f, path, "end"), path + ".end");
            if (end <= start)
                Fail(path + ".end", f["end"], $"is not after the phase's start ({FormatTime(start)})");
            if (start >= duration)
                Fail(path + ".start", f["start"], $"is not before the scenario's end ({FormatTime(duration)})");
            string patternText = RequiredString(f, path, "pattern");
            AccessPattern pattern = patternText switch
            {
                "sequential" => AccessPattern.Sequential,
                "uniform" => AccessPattern.Uniform,
                "zipf" => AccessPattern.Zipf,
                "loop" => AccessPattern.Loop,
                "hot_cold" => AccessPattern.HotCold,
                "stride" => AccessPattern.Stride,
                _ => FailEnum<AccessPattern>(path + ".pattern", f["pattern"], "sequential, uniform, zipf, loop, hot_cold, stride"),
            };
            string? vma = OptionalString(f, path, "vma");
            string? file = OptionalString(f, path, "file");
            if ((vma is null) == (file is null))
                Fail(path, "{…}", "needs exactly one of \"vma\" (accesses through the page tables) and \"file\" (read/write calls)");
            if (vma is not null && !vmas.Contains(vma))
                Fail(path + ".vma", f["vma"], "names a VMA this process does not map");
            if (file is not null && !files.ContainsKey(file))
                Fail(path + ".file", f["file"], "names a missing file (declare it under \"files\")");

            OnlyFor(f, path, "theta", pattern, AccessPattern.Zipf);
            OnlyFor(f, path, "hot_fraction", pattern, AccessPattern.HotCold);
            OnlyFor(f, path, "hot_probability", pattern, AccessPattern.HotCold);
            OnlyFor(f, path, "stride", pattern, AccessPattern.Stride);
            double theta = OptionalDouble(f, path, "theta", 0, 10, exclusiveMin: true) ?? 0.99;
            double hotFraction = OptionalDouble(f, path, "hot_fraction", 0, 1, exclusiveMin: true) ?? 0.2;
            double hotProbability = OptionalDouble(f, path, "hot_probability", 0, 1) ?? 0.8;
            long stride = 0;
            if (pattern == AccessPattern.Stride)
            {
                stride = Size(Required(f, path, "stride"), path + ".stride");
                if (stride == 0 || (stride & (Mm.Types.Pfn.PageSize - 1)) != 0)
                    Fail(path + ".stride", f["stride"], "is not a positive whole number of 4KiB pages");
            }
            if (f.ContainsKey("write_ratio") && f.ContainsKey("op"))
                Fail(path + ".op", f["op"], "conflicts with write_ratio (give one of them)");
            double writeRatio = OptionalDouble(f, path, "write_ratio", 0, 1) ?? 0;
            if (f.TryGetValue("op", out JsonElement opEl))
            {
                writeRatio = (opEl.ValueKind == JsonValueKind.String ? opEl.GetString() : null) switch
                {
                    "read" => 0,
                    "write" => 1,
                    _ => FailEnum<double>(path + ".op", opEl, "read, write"),
                };
            }
            JsonElement rateEl = Required(f, path, "rate");
            if (rateEl.ValueKind != JsonValueKind.Number)
                Fail(path + ".rate", rateEl, "is not a number (accesses per simulated second)");
            double rate = rateEl.GetDouble();
            if (!(rate > 0) || double.IsInfinity(rate))
                Fail(path + ".rate", rateEl, "must be greater than 0 (accesses per simulated second)");
            return new ScenarioPhase
            {
                Start = start,
                End = end,
                Pattern = pattern,
                Vma = vma,
                File = file,
                Theta = theta,
                HotFraction = hotFraction,
                HotProbability = hotProbability,
                Stride = stride,
                WriteRatio = writeRatio,
                Rate = rate,
            };
        }

        private void OnlyFor(Dictionary<string, JsonElement> f, string path, string field, AccessPattern pattern, AccessPattern wanted)
        {
            if (pattern != wanted && f.TryGetValue(field, out JsonElement v))
                Fail(path + "." + field, v, $"applies only to pattern {PatternName(wanted)}");
        }

        private static string PatternName(AccessPattern p) => p switch
        {
            AccessPattern.Zipf => "zipf",
            AccessPattern.HotCold => "hot_cold",
            AccessPattern.Stride => "stride",
            _ => p.ToString().ToLowerInvariant(),
        };

        private static readonly Dictionary<ScenarioEventKind, string[]> s_eventKindFields = new()
        {
            [ScenarioEventKind.AllocBurst] = ["size", "gfp", "hold"],
            [ScenarioEventKind.SlabGrow] = ["objects"],
            [ScenarioEventKind.Fork] = ["process"],
            [ScenarioEventKind.Exit] = ["process"],
            [ScenarioEventKind.SuspendToDisk] = ["size"],
            [ScenarioEventKind.ForceEmpty] = ["memcg"],
            [ScenarioEventKind.SetLimit] = ["memcg", "knob", "value"],
            [ScenarioEventKind.DropCaches] = ["value"],
        };

        private ScenarioEvent Event(JsonElement el, string path, HashSet<string> memcgs, HashSet<string> processes, double duration)
        {
            Dictionary<string, JsonElement> f = Fields(el, path, s_eventFields);
            double at = Time(Required(f, path, "at"), path + ".at");
            if (at >= duration)
                Fail(path + ".at", f["at"], $"is not before the scenario's end ({FormatTime(duration)})");
            string kindText = RequiredString(f, path, "kind");
            ScenarioEventKind kind = kindText switch
            {
                "alloc_burst" => ScenarioEventKind.AllocBurst,
                "slab_grow" => ScenarioEventKind.SlabGrow,
                "fork" => ScenarioEventKind.Fork,
                "exit" => ScenarioEventKind.Exit,
                "suspend_to_disk" => ScenarioEventKind.SuspendToDisk,
                "force_empty" => ScenarioEventKind.ForceEmpty,
                "set_limit" => ScenarioEventKind.SetLimit,
                "drop_caches" => ScenarioEventKind.DropCaches,
                _ => FailEnum<ScenarioEventKind>(path + ".kind", f["kind"],
                    "alloc_burst, slab_grow, fork, exit, suspend_to_disk, force_empty, set_limit, drop_caches"),
            };
            string[] allowed = s_eventKindFields[kind];
            foreach (KeyValuePair<string, JsonElement> kv in f)
            {
                if (kv.Key is not ("at" or "kind") && System.Array.IndexOf(allowed, kv.Key) < 0)
                    Fail(path + "." + kv.Key, kv.Value, $"does not apply to a {kindText} event (it takes: {string.Join(", ", allowed)})");
            }
            long size = 0, objects = 0;
            ulong value = 0;
            ScenarioGfp gfp = ScenarioGfp.Kernel;
            double? hold = null;
            string? process = null, memcg = null;
            ScenarioMemcgKnob knob = ScenarioMemcgKnob.Max;
            switch (kind)
            {
                case ScenarioEventKind.AllocBurst:
                case ScenarioEventKind.SuspendToDisk:
                    size = Size(Required(f, path, "size"), path + ".size");
                    if (size < Mm.Types.Pfn.PageSize)
                        Fail(path + ".size", f["size"], "is smaller than one 4KiB page");
                    if (kind == ScenarioEventKind.AllocBurst)
                    {
                        if (f.TryGetValue("gfp", out JsonElement g))
                        {
                            gfp = (g.ValueKind == JsonValueKind.String ? g.GetString() : null) switch
                            {
                                "kernel" => ScenarioGfp.Kernel,
                                "atomic" => ScenarioGfp.Atomic,
                                "movable" => ScenarioGfp.Movable,
                                _ => FailEnum<ScenarioGfp>(path + ".gfp", g, "kernel, atomic, movable"),
                            };
                        }
                        if (f.TryGetValue("hold", out JsonElement h))
                        {
                            hold = Time(h, path + ".hold");
                            if (hold <= 0)
                                Fail(path + ".hold", h, "must be longer than 0 (leave it out to hold to the end)");
                        }
                    }
                    break;
                case ScenarioEventKind.SlabGrow:
                    JsonElement o = Required(f, path, "objects");
                    if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out objects) || objects <= 0)
                        Fail(path + ".objects", o, "is not a positive whole number of objects");
                    break;
                case ScenarioEventKind.Fork:
                case ScenarioEventKind.Exit:
                    process = RequiredString(f, path, "process");
                    if (!processes.Contains(process))
                        Fail(path + ".process", f["process"], "names a missing process");
                    break;
                case ScenarioEventKind.ForceEmpty:
                case ScenarioEventKind.SetLimit:
                    memcg = RequiredString(f, path, "memcg");
                    if (memcg == "/" || !memcgs.Contains(memcg))
                        Fail(path + ".memcg", f["memcg"], memcg == "/" ? "the root memcg has no limits" : "names a missing memcg (declare it under \"memcgs\")");
                    if (kind == ScenarioEventKind.SetLimit)
                    {
                        string k = RequiredString(f, path, "knob");
                        int i = System.Array.FindIndex(s_knobs, x => x.Field == k);
                        if (i < 0)
                            Fail(path + ".knob", f["knob"], "is not a memcg knob (max, high, low, min, swap_max, soft_limit)");
                        knob = s_knobs[i].Knob;
                        value = Limit(Required(f, path, "value"), path + ".value");
                    }
                    break;
                case ScenarioEventKind.DropCaches:
                    JsonElement dv = Required(f, path, "value");
                    if (dv.ValueKind != JsonValueKind.Number || !dv.TryGetInt32(out int d) || d != 2)
                        Fail(path + ".value", dv, "must be 2 (drop slab objects; dropping the page cache, 1 and 3, is not emulated)");
                    value = 2;
                    break;
            }
            return new ScenarioEvent
            {
                At = at,
                Kind = kind,
                Size = size,
                Gfp = gfp,
                Hold = hold,
                Objects = objects,
                Process = process,
                Memcg = memcg,
                Knob = knob,
                Value = value,
            };
        }

        // ---- primitives ----

        private Dictionary<string, JsonElement> Fields(JsonElement el, string path, string[] known)
        {
            if (el.ValueKind != JsonValueKind.Object)
                Fail(path.Length == 0 ? "(top level)" : path, el, "is not a JSON object");
            var d = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty p in el.EnumerateObject())
            {
                string fp = Join(path, p.Name);
                if (System.Array.IndexOf(known, p.Name) < 0)
                    Fail(fp, p.Value, $"unknown field (known here: {string.Join(", ", known)})");
                if (!d.TryAdd(p.Name, p.Value))
                    Fail(fp, p.Value, "is given twice");
            }
            return d;
        }

        private IEnumerable<(JsonElement, string)> Array(Dictionary<string, JsonElement> f, string field, string path = "")
        {
            if (!f.TryGetValue(field, out JsonElement el))
                yield break;
            string fp = Join(path, field);
            if (el.ValueKind != JsonValueKind.Array)
                Fail(fp, el, "is not a JSON array");
            int i = 0;
            foreach (JsonElement e in el.EnumerateArray())
                yield return (e, $"{fp}[{i++}]");
        }

        private JsonElement Required(Dictionary<string, JsonElement> f, string path, string field)
        {
            if (!f.TryGetValue(field, out JsonElement el))
                Fail(Join(path, field), "(missing)", "is required");
            return el;
        }

        private string RequiredString(Dictionary<string, JsonElement> f, string path, string field)
        {
            JsonElement el = Required(f, path, field);
            if (el.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(el.GetString()))
                Fail(Join(path, field), el, "is not a non-empty string");
            return el.GetString()!;
        }

        private string? OptionalString(Dictionary<string, JsonElement> f, string path, string field) =>
            f.ContainsKey(field) ? RequiredString(f, path, field) : null;

        private int? OptionalInt(Dictionary<string, JsonElement> f, string path, string field, int min, int max)
        {
            if (!f.TryGetValue(field, out JsonElement el))
                return null;
            long v = 0;
            if (el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out v) || v < min || v > max)
                Fail(Join(path, field), el, max == int.MaxValue ? $"is not a whole number ≥ {min}" : $"is not a whole number {min}..{max}");
            return (int)v;
        }

        private double? OptionalDouble(Dictionary<string, JsonElement> f, string path, string field, double min, double max, bool exclusiveMin = false)
        {
            if (!f.TryGetValue(field, out JsonElement el))
                return null;
            if (el.ValueKind != JsonValueKind.Number)
                Fail(Join(path, field), el, "is not a number");
            double v = el.GetDouble();
            if (v < min || v > max || (exclusiveMin && v == min) || double.IsNaN(v))
                Fail(Join(path, field), el, exclusiveMin ? $"must be greater than {min} and at most {max}" : $"must be {min}..{max}");
            return v;
        }

        private bool? OptionalBool(Dictionary<string, JsonElement> f, string path, string field)
        {
            if (!f.TryGetValue(field, out JsonElement el))
                return null;
            if (el.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                Fail(Join(path, field), el, "is not true or false");
            return el.ValueKind == JsonValueKind.True;
        }

        /// <summary>A size: a JSON integer of bytes, or a string with a binary unit.</summary>
        private long Size(JsonElement el, string path)
        {
            if (el.ValueKind == JsonValueKind.Number)
            {
                if (!el.TryGetInt64(out long b))
                    Fail(path, el, "is not a size in bytes (a whole number, or a string like \"4GiB\")");
                if (b < 0)
                    Fail(path, el, "is negative");
                return b;
            }
            if (el.ValueKind != JsonValueKind.String)
                Fail(path, el, "is not a size (a string like \"4GiB\", or a number of bytes)");
            string s = el.GetString()!.Trim();
            if (s.StartsWith('-'))
                Fail(path, el, "is negative");
            int digits = 0;
            while (digits < s.Length && char.IsAsciiDigit(s[digits]))
                digits++;
            string unit = s.Substring(digits).TrimStart();
            bool iec = unit.Length == 0 || unit.Equals("B", StringComparison.OrdinalIgnoreCase)
                || (unit.Length == 3 && unit.EndsWith("iB", StringComparison.OrdinalIgnoreCase) && "KMGTkmgt".Contains(unit[0]));
            if (digits == 0 || !iec || !SizeParser.TryParse(s, out long bytes, out _))
            {
                if (digits > 0 && !iec && char.IsAsciiLetter(unit.Length > 0 ? unit[0] : '0'))
                    Fail(path, el, "is not a size (use KiB, MiB, GiB, TiB)");
                Fail(path, el, "is not a size (a whole number and KiB, MiB, GiB or TiB, e.g. \"4GiB\")");
                return 0;
            }
            return bytes;
        }

        /// <summary>A time: a JSON number of seconds, or a string "30s", "500ms", "2min".</summary>
        private double Time(JsonElement el, string path)
        {
            double seconds;
            if (el.ValueKind == JsonValueKind.Number)
            {
                seconds = el.GetDouble();
            }
            else if (el.ValueKind == JsonValueKind.String)
            {
                string s = el.GetString()!.Trim();
                double scale;
                string number;
                if (s.EndsWith("ms", StringComparison.Ordinal))
                {
                    (number, scale) = (s[..^2], 0.001);
                }
                else if (s.EndsWith("min", StringComparison.Ordinal))
                {
                    (number, scale) = (s[..^3], 60);
                }
                else if (s.EndsWith('s'))
                {
                    (number, scale) = (s[..^1], 1);
                }
                else
                {
                    Fail(path, el, "is not a time (seconds as a number, or a string like \"30s\", \"500ms\", \"2min\")");
                    return 0;
                }
                if (!double.TryParse(number.TrimEnd(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double v))
                {
                    Fail(path, el, "is not a time (seconds as a number, or a string like \"30s\", \"500ms\", \"2min\")");
                    return 0;
                }
                seconds = v * scale;
            }
            else
            {
                Fail(path, el, "is not a time (seconds as a number, or a string like \"30s\", \"500ms\", \"2min\")");
                return 0;
            }
            if (seconds < 0)
                Fail(path, el, "is negative");
            if (double.IsNaN(seconds) || seconds > 1e7)
                Fail(path, el, "is too long (at most 10^7 simulated seconds)");
            return seconds;
        }

        private static string Join(string path, string field) => path.Length == 0 ? field : path + "." + field;

        [DoesNotReturn]
        private T FailEnum<T>(string path, JsonElement el, string choices)
        {
            Fail(path, el, $"is not one of: {choices}");
            return default;
        }

        [DoesNotReturn]
        private void Fail(string path, JsonElement value, string problem) => Fail(path, Show(value), problem);

        [DoesNotReturn]
        private void Fail(string path, string shownValue, string problem) =>
            throw new ScenarioException($"{_source}: {path}: {shownValue} {problem}");

        private static string Show(JsonElement el)
        {
            string raw = el.ValueKind switch
            {
                JsonValueKind.Object => "{…}",
                JsonValueKind.Array => "[…]",
                _ => el.GetRawText(),
            };
            raw = raw.Replace('\n', ' ').Replace('\r', ' ');
            return raw.Length > 60 ? raw.Substring(0, 57) + "…" : raw;
        }
    }

    private static long RoundUpToPage(long bytes) => (bytes + Mm.Types.Pfn.PageSize - 1) & ~(long)(Mm.Types.Pfn.PageSize - 1);

    /// <summary>Formats bytes with the largest binary unit that divides them (<c>16MiB</c>, <c>3GiB</c>, <c>4097</c>).</summary>
    public static string FormatSize(long bytes)
    {
        string[] units = ["TiB", "GiB", "MiB", "KiB"];
        for (int i = 0; i < units.Length; i++)
        {
            int shift = 40 - 10 * i;
            if (bytes != 0 && (bytes & ((1L << shift) - 1)) == 0)
                return (bytes >> shift).ToString(CultureInfo.InvariantCulture) + units[i];
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Formats simulated seconds as <c>30s</c> or <c>2.5s</c>.</summary>
    public static string FormatTime(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
