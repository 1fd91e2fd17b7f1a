using System;
using System.CommandLine;
using System.IO;
using System.Text.Json;
using ReclaimFast.Cli.Commands;
using Xunit;

namespace ReclaimFast.Tests.Workload;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reclaimfast-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteTrace(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { ReplayCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(["replay", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    // The hand-worked reference string of LruCacheSimulatorTests: 3 pages -> 10 misses of 12.
    private const string Reference = "1\n2\n3\n4\n1\n2\n5\n1\n2\n3\n4\n5\n";

    [Theory]
    [InlineData("--pages", "3")]
    [InlineData("--memory", "12KiB")]
    [InlineData("--memory", "12288")]
    public void Lru_Json(string sizeOption, string size)
    {
        string trace = WriteTrace("ref.trace", Reference);
        var (code, output, error) = Run(trace, "--format", "lirs", sizeOption, size, "--policy", "lru", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement r = doc.RootElement;
        Assert.Equal(trace, r.GetProperty("trace").GetString());
        Assert.Equal("lirs", r.GetProperty("format").GetString());
        Assert.Equal("lru", r.GetProperty("policy").GetString());
        Assert.Equal(3, r.GetProperty("capacityPages").GetInt64());
        Assert.Equal(12, r.GetProperty("traceRecords").GetInt64());
        Assert.Equal(12, r.GetProperty("requests").GetInt64());
        Assert.Equal(2, r.GetProperty("hits").GetInt64());
        Assert.Equal(10, r.GetProperty("misses").GetInt64());
        Assert.Equal(10.0 / 12, r.GetProperty("missRatio").GetDouble());
        Assert.True(r.GetProperty("requestsPerSecond").GetDouble() >= 0);
        Assert.True(r.GetProperty("elapsedSeconds").GetDouble() >= 0);
    }

    [Fact]
    public void Lru_Text_IsTheDefaultPolicy()
    {
        string trace = WriteTrace("ref.trace", Reference);
        var (code, output, _) = Run(trace, "--format", "lirs", "--pages", "3");
        Assert.Equal(0, code);
        Assert.Contains("policy         lru\n", output, StringComparison.Ordinal);
        Assert.Contains("requests       12 (page references)\n", output, StringComparison.Ordinal);
        Assert.Contains("misses         10\n", output, StringComparison.Ordinal);
        Assert.Contains("miss ratio     0.8333\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyLinux_Json_CompulsoryMissesOnly_WhenEverythingFits_AndCountsTheMachine()
    {
        // 5 distinct pages in 8 pages of cgroup: only the 5 first references miss.
        string trace = WriteTrace("ref.trace", Reference);
        var (code, output, error) = Run(trace, "--format", "lirs", "--pages", "8", "--policy", "linux", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement r = doc.RootElement;
        Assert.Equal("linux", r.GetProperty("policy").GetString());
        Assert.Equal(12, r.GetProperty("requests").GetInt64());
        Assert.Equal(5, r.GetProperty("misses").GetInt64());
        JsonElement v = r.GetProperty("vmstat");
        Assert.Equal(0, v.GetProperty("pgscan_kswapd").GetInt64());
        Assert.Equal(0, v.GetProperty("pgscan_direct").GetInt64());
        Assert.True(v.GetProperty("pgfault").GetInt64() >= 0);
    }

    [Fact]
    public void MalformedTrace_OneLineNamingFileLineValue_Exit2()
    {
        string trace = WriteTrace("bad.trace", "1\n2\nthree\n");
        var (code, output, error) = Run(trace, "--format", "lirs", "--pages", "3");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"reclaimfast replay: {trace}: line 3: not a page number: 'three'" + Environment.NewLine, error);
    }

    [Fact]
    public void MissingFile_NamesThePath_Exit2()
    {
        string trace = Path.Combine(_dir, "nope.trace");
        var (code, output, error) = Run(trace, "--format", "lirs", "--pages", "3");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"reclaimfast replay: trace file not found: '{trace}'" + Environment.NewLine, error);
    }

    [Theory]
    [InlineData(new[] { "--format", "vscsi", "--pages", "3" }, "--format: unknown trace format 'vscsi' (expected lirs|u32le|csv|oracleGeneral)")]
    [InlineData(new[] { "--pages", "3" }, "--format is required (lirs|u32le|csv|oracleGeneral)")]
    [InlineData(new[] { "--format", "lirs" }, "--memory SIZE or --pages N is required")]
    [InlineData(new[] { "--format", "lirs", "--pages", "0" }, "--pages: expected a whole number of pages, 1 .. 536870912: '0'")]
    [InlineData(new[] { "--format", "lirs", "--pages", "3x" }, "--pages: expected a whole number of pages, 1 .. 536870912: '3x'")]
    [InlineData(new[] { "--format", "lirs", "--memory", "1000" }, "--memory: not a positive multiple of the 4 KiB page size: '1000' (1000 bytes)")]
    [InlineData(new[] { "--format", "lirs", "--memory", "4TiB" }, "--memory: more than 536870912 pages (2 TiB): '4TiB'")]
    [InlineData(new[] { "--format", "lirs", "--memory", "12QiB" }, "--memory: unknown unit 'QiB': '12QiB' (expected e.g. 4096, 64KiB, 256MiB, 1GiB; K/M/G/T, KB/MB/GB/TB and KiB/MiB/GiB/TiB are all binary)")]
    [InlineData(new[] { "--format", "lirs", "--memory", "4KiB", "--pages", "1" }, "--memory '4KiB' and --pages '1': give only one")]
    [InlineData(new[] { "--format", "lirs", "--pages", "1", "--policy", "fifo" }, "--policy: unknown policy 'fifo' (expected linux|lru)")]
    public void BadArguments_OneLine_Exit2(string[] args, string message)
    {
        string trace = WriteTrace("ref.trace", Reference);
        var (code, output, error) = Run([trace, .. args]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal("reclaimfast replay: " + message + Environment.NewLine, error);
    }

    [TraceFact("lirs-multi1.trace.gz")]
    public void Multi1_At500Pages_Published()
    {
        var (code, output, _) = Run(TraceFiles.PathOf("lirs-multi1.trace.gz"), "--format", "lirs", "--memory", "2000KiB", "--json");
        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal(500, doc.RootElement.GetProperty("capacityPages").GetInt64());
        Assert.Equal(0.5349, Math.Round(doc.RootElement.GetProperty("missRatio").GetDouble(), 4)); // shared/traces/README.md
    }
}
