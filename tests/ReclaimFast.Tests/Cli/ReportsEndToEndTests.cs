using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>The built <c>reclaimfast</c> command run as a user runs it: <c>dotnet ReclaimFast.Cli.dll stress …</c>.</summary>
public sealed class ReportsEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reclaimfast-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliRunner.BuiltCommand(args);

    [Fact]
    public void Stress_Json_And_Out()
    {
        string outDir = Path.Combine(_dir, "reports");
        var (code, output, error) = Cli("stress", "--memory", "64MiB", "--ops", "3000", "--seed", "9", "--json", "--out", outDir);
        Assert.True(code == 0, error);
        // stdout is redirected: plain output only, no progress bar escape codes anywhere.
        Assert.DoesNotContain('\u001b', output + error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement v = doc.RootElement.GetProperty("vmstat");
        Assert.Equal(ReportsTests.VmstatNames().Count, v.EnumerateObject().Count());
        foreach (string counter in new[] { "pgscan_kswapd", "pgsteal_kswapd", "pswpout", "slabs_scanned", "pgfault" })
            Assert.True(v.GetProperty(counter).GetInt64() > 0, counter);
        foreach (string f in ReclaimFast.Cli.Output.RunReports.Files)
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
        // summary.json on disk is the object --json printed, apart from the wall clock.
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal(v.GetRawText(), file.RootElement.GetProperty("vmstat").GetRawText());
    }

    [Theory]
    [InlineData("--memory", "1TiB", "reclaimfast stress: --memory: must be at most 256GiB: '1TiB'")]
    [InlineData("--ops", "many", "reclaimfast: Cannot parse argument 'many' for option '--ops' as expected type 'System.Int64'.")]
    public void Stress_BadInput_Exit2_OneLine_NoOutputDirectory(string option, string value, string message)
    {
        string outDir = Path.Combine(_dir, "never");
        string[] args = option == "--memory"
            ? ["stress", option, value, "--out", outDir]
            : ["stress", "--memory", "64MiB", option, value, "--out", outDir];
        var (code, output, error) = Cli(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal(message, error.TrimEnd('\n'));
        Assert.False(Directory.Exists(outDir));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
