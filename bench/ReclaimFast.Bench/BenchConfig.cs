using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace ReclaimFast.Bench;

/// <summary>Shared benchmark configuration: workstation non-concurrent GC, memory diagnoser, JSON export.</summary>
internal static class BenchConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddJob(Job.Default.WithGcServer(false).WithGcConcurrent(false).AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Full)
            .WithOptions(ConfigOptions.JoinSummary);
}
