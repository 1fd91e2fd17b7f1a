using BenchmarkDotNet.Running;

namespace ReclaimFast.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create(args));
        return 0;
    }
}
