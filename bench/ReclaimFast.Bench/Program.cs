using System.Linq;
using BenchmarkDotNet.Running;

namespace ReclaimFast.Bench;

internal static class Program
{
    /// <summary>Runs the selected benchmarks; exits 1 if any benchmark failed to run or failed validation.</summary>
    private static int Main(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create(args));
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
