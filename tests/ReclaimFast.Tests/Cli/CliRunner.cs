using System.Diagnostics;
using System.IO;
using ReclaimFast.Cli;
using ReclaimFast.Cli.Commands;

namespace ReclaimFast.Tests.Cli;

/// <summary>Runs the <c>reclaimfast</c> command: in this process (<see cref="Program.Run"/>) or as a user does.</summary>
internal static class CliRunner
{
    /// <summary>The whole command in-process, with its own output writers.</summary>
    public static (int Code, string Out, string Err) InProcess(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary><c>dotnet ReclaimFast.Cli.dll ARGS</c>: the built command (the test project references it, so the dll sits beside the tests).</summary>
    public static (int Code, string Out, string Err) BuiltCommand(params string[] args)
    {
        string dll = typeof(RunCommand).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
