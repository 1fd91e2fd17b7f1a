using System;
using System.Buffers;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using ReclaimFast.Workload;
using ReclaimFast.Workload.Traces;

namespace ReclaimFast.Cli.Commands;

/// <summary>
/// <c>reclaimfast replay TRACE --format F (--memory SIZE | --pages N) [--policy linux|lru] [--json]</c>:
/// replays a recorded trace and prints requests, misses, miss ratio and the replay's own speed.
/// </summary>
public static class ReplayCommand
{
    private const int BatchRecords = 4096;

    /// <summary>Builds the <c>replay</c> command.</summary>
    public static Command Create()
    {
        var trace = new Argument<string>("TRACE")
        {
            Description = "Trace file (gzip or plain).",
        };
        var format = new Option<string?>("--format")
        {
            Description = $"Trace format: {TraceFormats.Names}.",
        };
        var memory = new Option<string?>("--memory")
        {
            Description = "Memory size, e.g. 256MiB, 1GiB, 4096KiB or plain bytes (all units binary; a multiple of 4 KiB).",
        };
        var pages = new Option<string?>("--pages")
        {
            Description = "Memory size in 4 KiB pages (instead of --memory).",
        };
        var policy = new Option<string>("--policy")
        {
            Description = "linux: the emulated kernel's reclaim; lru: one plain LRU list of fixed capacity.",
            DefaultValueFactory = _ => "lru",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object instead of text.",
        };

        var command = new Command("replay", "Replay a recorded page-reference trace and report the miss ratio.")
        {
            trace, format, memory, pages, policy, json,
        };
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                var args = new ReplayArguments(
                    parseResult.GetValue(trace) ?? "",
                    parseResult.GetValue(format),
                    parseResult.GetValue(memory),
                    parseResult.GetValue(pages),
                    parseResult.GetValue(policy) ?? "lru",
                    parseResult.GetValue(json));
                return Run(args, output);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                // TraceFormatException is a FormatException; FileNotFoundException an IOException.
                error.WriteLine($"reclaimfast replay: {e.Message}");
                return CliException.ExitCode;
            }
        });
        return command;
    }

    private readonly record struct ReplayArguments(string Trace, string? Format, string? Memory, string? Pages, string Policy, bool Json);

    private static int Run(ReplayArguments args, TextWriter output)
    {
        if (args.Format is null)
            throw new FormatException($"--format is required ({TraceFormats.Names})");
        TraceFormat format = TraceFormats.Parse(args.Format);
        bool linux = string.Equals(args.Policy, "linux", StringComparison.OrdinalIgnoreCase);
        if (!linux && !string.Equals(args.Policy, "lru", StringComparison.OrdinalIgnoreCase))
            throw new FormatException($"--policy: unknown policy '{args.Policy}' (expected linux|lru)");
        long capacity = CapacityPages(args.Memory, args.Pages);
        var buffer = new TraceRecord[BatchRecords];
        long recordsRead, requests, hits, misses;
        double missRatio;
        string? vmstat = null;
        long start = Stopwatch.GetTimestamp();
        if (linux)
        {
            using var replay = new LinuxReplay(capacity);
            ReclaimFast.Diagnostics.ReclaimFastEventSource.Attach(replay.Machine); // dotnet-counters shows this machine
            using (TraceReader reader = TraceReader.Open(args.Trace, format))
            {
                replay.Replay(reader, buffer);
                recordsRead = reader.RecordsRead;
            }
            (requests, hits, misses, missRatio) = (replay.Requests, replay.Hits, replay.Misses, replay.MissRatio);
            vmstat = ReclaimFast.Diagnostics.ProcVmstat.Read(replay.Machine);
        }
        else
        {
            var sim = new LruCacheSimulator(capacity);
            using (TraceReader reader = TraceReader.Open(args.Trace, format))
            {
                sim.Replay(reader, buffer);
                recordsRead = reader.RecordsRead;
            }
            (requests, hits, misses, missRatio) = (sim.Requests, sim.Hits, sim.Misses, sim.MissRatio);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double rate = seconds > 0 ? requests / seconds : 0;

        var result = new ReplayResult(args.Trace, TraceFormats.Name(format), linux ? "linux" : "lru", capacity, recordsRead,
            requests, hits, misses, missRatio, seconds, rate);
        output.WriteLine(args.Json ? ToJson(result, vmstat) : ToText(result));
        return 0;
    }

    private static long CapacityPages(string? memory, string? pages)
    {
        if (memory is not null && pages is not null)
            throw new FormatException($"--memory '{memory}' and --pages '{pages}': give only one");
        if (pages is not null)
        {
            if (!long.TryParse(pages, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < 1 || n > LruCacheSimulator.MaxCapacityPages)
                throw new FormatException($"--pages: expected a whole number of pages, 1 .. {LruCacheSimulator.MaxCapacityPages}: '{pages}'");
            return n;
        }
        if (memory is null)
            throw new FormatException("--memory SIZE or --pages N is required");
        long bytes = SizeParser.Parse("--memory", memory);
        if (bytes < TraceReader.PageSize || bytes % TraceReader.PageSize != 0)
            throw new FormatException($"--memory: not a positive multiple of the 4 KiB page size: '{memory}' ({bytes} bytes)");
        long count = bytes / TraceReader.PageSize;
        if (count > LruCacheSimulator.MaxCapacityPages)
            throw new FormatException($"--memory: more than {LruCacheSimulator.MaxCapacityPages} pages (2 TiB): '{memory}'");
        return count;
    }

    private readonly record struct ReplayResult(
        string Trace, string Format, string Policy, long CapacityPages, long TraceRecords,
        long Requests, long Hits, long Misses, double MissRatio, double ElapsedSeconds, double RequestsPerSecond);

    private static string ToText(ReplayResult r)
    {
        var sb = new StringBuilder();
        CultureInfo inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"trace          {r.Trace}\n");
        sb.Append(inv, $"format         {r.Format}\n");
        sb.Append(inv, $"policy         {r.Policy}\n");
        sb.Append(inv, $"capacity       {r.CapacityPages} pages ({r.CapacityPages * 4} KiB)\n");
        sb.Append(inv, $"trace records  {r.TraceRecords}\n");
        sb.Append(inv, $"requests       {r.Requests} (page references)\n");
        sb.Append(inv, $"hits           {r.Hits}\n");
        sb.Append(inv, $"misses         {r.Misses}\n");
        sb.Append(inv, $"miss ratio     {r.MissRatio:F4}\n");
        sb.Append(inv, $"replay         {r.RequestsPerSecond:F0} requests/s ({r.ElapsedSeconds:F3} s wall clock)");
        return sb.ToString();
    }

    private static string ToJson(ReplayResult r, string? vmstat)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("trace", r.Trace);
            w.WriteString("format", r.Format);
            w.WriteString("policy", r.Policy);
            w.WriteNumber("capacityPages", r.CapacityPages);
            w.WriteNumber("traceRecords", r.TraceRecords);
            w.WriteNumber("requests", r.Requests);
            w.WriteNumber("hits", r.Hits);
            w.WriteNumber("misses", r.Misses);
            w.WriteNumber("missRatio", r.MissRatio);
            w.WriteNumber("elapsedSeconds", r.ElapsedSeconds);
            w.WriteNumber("requestsPerSecond", r.RequestsPerSecond);
            if (vmstat is not null)
            {
                // linux mode: the emulated machine's counters, under their /proc/vmstat names.
                w.WriteStartObject("vmstat");
                foreach (string line in vmstat.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    int sp = line.IndexOf(' ', StringComparison.Ordinal);
                    w.WriteNumber(line[..sp], long.Parse(line.AsSpan(sp + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
