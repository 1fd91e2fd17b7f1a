using System;
using System.CommandLine;
using System.IO;
using ReclaimFast.Cli.Commands;
using ReclaimFast.Workload.Scenario;

namespace ReclaimFast.Cli;

/// <summary>The <c>reclaimfast</c> command. With no verb it runs the main job (<c>run</c> on the embedded default).</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole command in-process: parses <paramref name="args"/>, runs the verb, maps bad input to exit code 2.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("ReclaimFast: a fast, deterministic emulator of Linux v5.4 memory reclaim.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(ScenariosCommand.Create());
        root.Subcommands.Add(StressCommand.Create());

        // No verb (or only options such as --out) means the main job.
        if (args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version")))
            args = ["run", .. args];

        try
        {
            ParseResult parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // Bad command lines are bad input too: one line each, exit code 2 (not System.CommandLine's 1).
                foreach (var error in parse.Errors)
                    stderr.WriteLine($"reclaimfast: {error.Message}");
                return CliException.ExitCode;
            }
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            stderr.WriteLine($"reclaimfast: {e.Message}");
            return CliException.ExitCode;
        }
    }

    /// <summary>Errors that describe the user's input rather than a bug: one line, exit code 2.</summary>
    internal static bool IsBadInput(Exception e) =>
        e is CliException or InvalidMachineDescriptionException or FileNotFoundException
            or DirectoryNotFoundException or FormatException or ScenarioException;
}
