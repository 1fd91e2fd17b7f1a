using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;

namespace ReclaimFast.Bench;

/// <summary>Shared benchmark configuration: workstation non-concurrent GC, memory diagnoser, JSON export.</summary>
internal static class BenchConfig
{
    /// <summary>
    /// A job given on the command line (<c>--job dry</c> for the CI smoke run) replaces ours: BenchmarkDotNet
    /// merges a config's default job over CLI jobs, which would turn a dry run into a full one.
    /// </summary>
    public static IConfig Create(string[] args)
    {
        IConfig config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(JsonExporter.Full); // one summary per class: each ratio is against its own class's baseline
        bool jobOnCommandLine = Array.Exists(args, a => a == "--job" || a == "-j");
        return jobOnCommandLine
            ? config
            : config.AddJob(Job.Default.WithGcServer(false).WithGcConcurrent(false).AsDefault());
    }
}
