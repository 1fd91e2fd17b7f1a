using System;
using System.IO;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>
/// Bad scenario input through the whole command (Program's entry logic in-process): one line naming the file, the
/// field and the value on stderr, exit code 2, nothing on stdout, and no --out directory left behind.
/// </summary>
public sealed class ScenarioCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-scenario-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliRunner.InProcess(args);

    // A valid base the cases below break one field of.
    private const string Good = """
        {
          "name": "t", "duration": "1s",
          "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "112MiB" } } ], "swap": [ { "size": "64MiB" } ] },
          "memcgs": [ { "path": "/a", "max": "32MiB" } ],
          "files": [ { "name": "f", "size": "8MiB" } ],
          "processes": [ { "name": "p", "memcg": "/a", "vmas": [ { "name": "v", "kind": "private_file", "size": "8MiB", "file": "f" } ],
                           "phases": [ { "start": 0, "end": "1s", "pattern": "uniform", "vma": "v", "rate": 1000 } ] } ]
        }
        """;

    public static TheoryData<string, string, string> BadInputs => new()
    {
        // case, replace this (in Good) ..., ... with this, expected message after "reclaimfast: scenario.json: "
        { "malformed JSON", "\"duration\": \"1s\",", "\"duration\": \"1s\" \"x\"," },
        { "unknown field", "\"rate\": 1000", "\"rate\": 1000, \"colour\": \"red\"" },
        { "wrong unit", "\"dma32\": \"112MiB\"", "\"dma32\": \"112MB\"" },
        { "negative size", "\"size\": \"64MiB\"", "\"size\": \"-64MiB\"" },
        { "zone larger than its node", "\"dma\": \"16MiB\"", "\"dma\": \"32MiB\"" },
        { "memcg under a missing parent", "\"path\": \"/a\"", "\"path\": \"/x/a\"" },
        { "missing file", "\"file\": \"f\"", "\"file\": \"g\"" },
        { "process naming a missing memcg", "\"memcg\": \"/a\"", "\"memcg\": \"/b\"" },
        { "phase ending before it starts", "\"end\": \"1s\"", "\"end\": \"0s\"" },
        { "rate not positive", "\"rate\": 1000", "\"rate\": 0" },
        { "not a time", "\"duration\": \"1s\"", "\"duration\": \"1 fortnight\"" },
    };

    private static readonly string[] s_expected =
    [
        // column 33 is the opening quote of "x": two spaces, then 30 characters of fields before it (1-based).
        "scenario.json: line 2, column 33: malformed JSON: '\"' is invalid after a value. Expected either ',', '}', or ']'.",
        "scenario.json: processes[0].phases[0].colour: \"red\" unknown field (known here: start, end, pattern, vma, file, theta, hot_fraction, hot_probability, stride, write_ratio, op, rate)",
        "scenario.json: machine.nodes[0].zones.dma32: \"112MB\" is not a size (use KiB, MiB, GiB, TiB)",
        "scenario.json: machine.swap[0].size: \"-64MiB\" is negative",
        "scenario.json: machine.nodes[0].zones.dma: \"32MiB\" is larger than ZONE_DMA allows (it covers the first 16MiB of physical memory)",
        "scenario.json: memcgs[0].path: \"/x/a\" is under a missing parent \"/x\" (declare the parent first)",
        "scenario.json: processes[0].vmas[0].file: \"g\" names a missing file (declare it under \"files\")",
        "scenario.json: processes[0].memcg: \"/b\" names a missing memcg (declare it under \"memcgs\")",
        "scenario.json: processes[0].phases[0].end: \"0s\" is not after the phase's start (0s)",
        "scenario.json: processes[0].phases[0].rate: 0 must be greater than 0 (accesses per simulated second)",
        "scenario.json: duration: \"1 fortnight\" is not a time (seconds as a number, or a string like \"30s\", \"500ms\", \"2min\")",
    ];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadScenario_OneLine_Exit2_NoOutput(string name, string from, string to)
    {
        Assert.Contains(from, Good);
        string path = Path.Combine(_dir, "scenario.json");
        File.WriteAllText(path, Good.Replace(from, to, StringComparison.Ordinal));
        string outDir = Path.Combine(_dir, "out");

        var (code, stdout, stderr) = Cli("run", path, "--out", outDir);

        int index = Array.FindIndex([.. BadInputs], row => (string)row[0] == name);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("reclaimfast: " + s_expected[index] + Environment.NewLine, stderr);
        Assert.False(Directory.Exists(outDir), "no output directory after bad input");
        Assert.Equal(new[] { path }, Directory.GetFileSystemEntries(_dir)); // no temporary directory either
    }

    [Fact]
    public void Run_SeedAndCheckInvariants_SameSeedSameReports()
    {
        string path = Path.Combine(_dir, "two-node.json");
        File.WriteAllText(path, RunCommandTests.TwoNodeScenario.Replace("\"pattern\": \"sequential\"", "\"pattern\": \"uniform\"", StringComparison.Ordinal));
        string[] vmstat = new string[3];
        string[] seeds = ["3", "3", "4"];
        for (int i = 0; i < 3; i++)
        {
            string outDir = Path.Combine(_dir, "out" + i);
            var (code, stdout, stderr) = Cli("run", path, "--seed", seeds[i], "--check-invariants", "--out", outDir);
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.Contains($"ran scenario 'two-node-smoke' (seed {seeds[i]}):", stdout);
            vmstat[i] = File.ReadAllText(Path.Combine(outDir, "proc", "vmstat"));
        }
        Assert.Equal(vmstat[0], vmstat[1]);
        Assert.NotEqual(vmstat[0], vmstat[2]); // another seed, other pages touched: other fault and free-page counts
    }

    [Fact]
    public void Run_BadSeed_Exit2()
    {
        var (code, stdout, stderr) = Cli("run", "--seed", "-1");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("reclaimfast: ", stderr);
        Assert.Contains("-1", stderr);
    }

    [Fact]
    public void GoodBase_Parses() => Assert.Equal("t", ScenarioParser.Parse(Good, "scenario.json").Name);

    [Fact]
    public void MissingScenarioFile_Exit2()
    {
        string path = Path.Combine(_dir, "nope.json");
        var (code, stdout, stderr) = Cli("run", path);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"reclaimfast: {path}: no such scenario file{Environment.NewLine}", stderr);
    }

    [Fact]
    public void ScenariosListsEveryEmbeddedScenarioWithItsDescription()
    {
        var (code, stdout, stderr) = Cli("scenarios");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(EmbeddedScenarios.Names.Count, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string name = EmbeddedScenarios.Names[i];
            Assert.StartsWith(name + " ", lines[i]);
            Assert.EndsWith("  " + EmbeddedScenarios.Load(name).Description, lines[i]);
        }
        foreach (string required in new[] { "default", "streaming-vs-hot-set", "anon-swap-storm", "memcg-protection", "fragmentation", "hibernate" })
            Assert.Contains(required, EmbeddedScenarios.Names);
    }

    [Fact]
    public void ScenariosShowPrintsJsonThatParsesToTheSameScenario()
    {
        var (code, stdout, _) = Cli("scenarios", "show", "anon-swap-storm");
        Assert.Equal(0, code);
        ScenarioDefinition shown = ScenarioParser.Parse(stdout, "shown.json");
        Assert.Equal("anon-swap-storm", shown.Name);
        Assert.Equal(ScenarioWriter.ToJson(EmbeddedScenarios.Load("anon-swap-storm")), ScenarioWriter.ToJson(shown));
    }

    [Fact]
    public void ScenariosShowUnknownName_Exit2()
    {
        var (code, stdout, stderr) = Cli("scenarios", "show", "nope");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("reclaimfast: scenarios show: no embedded scenario 'nope' (known: default, ", stderr);
    }
}
