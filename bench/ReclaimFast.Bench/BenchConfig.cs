using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
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
        JobOnCommandLine = jobOnCommandLine;
        return jobOnCommandLine
            ? config
            : config.AddJob(Job.Default.WithGcServer(false).WithGcConcurrent(false).AsDefault());
    }

    /// <summary>Whether the command line named a job (read by <see cref="SingleInvocationJobAttribute"/>).</summary>
    public static bool JobOnCommandLine { get; private set; }
}

/// <summary>
/// A Monitoring job with one invocation per iteration, for benchmarks whose state an [IterationSetup] rebuilds, with
/// enough warm-up iterations for one-call-per-iteration methods to reach tier-1 code (30 calls, then a 100 ms
/// delay). Like the default job it applies only when the command line names no job, so the CI's `--job dry` smoke
/// run stays a dry run.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class SingleInvocationJobAttribute : Attribute, IConfigSource
{
    public SingleInvocationJobAttribute(int warmupCount, int iterationCount)
    {
        Config = BenchConfig.JobOnCommandLine
            ? ManualConfig.CreateEmpty()
            : ManualConfig.CreateEmpty().AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1)
                .WithWarmupCount(warmupCount).WithIterationCount(iterationCount).WithInvocationCount(1)
                .WithGcServer(false).WithGcConcurrent(false));
    }

    /// <inheritdoc/>
    public IConfig Config { get; }
}
