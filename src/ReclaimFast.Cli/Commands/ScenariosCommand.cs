using System.CommandLine;
using System.IO;
using ReclaimFast.Workload.Scenario;

namespace ReclaimFast.Cli.Commands;

/// <summary>
/// <c>reclaimfast scenarios</c> lists the embedded scenarios (name and one-line description);
/// <c>reclaimfast scenarios show NAME</c> prints one as JSON, to copy and edit.
/// </summary>
internal static class ScenariosCommand
{
    public static Command Create()
    {
        var cmd = new Command("scenarios", "List the embedded scenarios; `scenarios show NAME` prints one as JSON.");
        cmd.SetAction(parse => List(parse.InvocationConfiguration.Output));
        var nameArgument = new Argument<string>("NAME") { Description = "An embedded scenario's name." };
        var show = new Command("show", "Print an embedded scenario's JSON (a starting point for your own).");
        show.Arguments.Add(nameArgument);
        show.SetAction(parse => Show(parse.GetValue(nameArgument)!, parse.InvocationConfiguration.Output));
        cmd.Subcommands.Add(show);
        return cmd;
    }

    internal static int List(TextWriter stdout)
    {
        int width = 0;
        foreach (string name in EmbeddedScenarios.Names)
            width = System.Math.Max(width, name.Length);
        foreach (string name in EmbeddedScenarios.Names)
            stdout.WriteLine($"{name.PadRight(width)}  {EmbeddedScenarios.Load(name).Description}");
        return 0;
    }

    internal static int Show(string name, TextWriter stdout)
    {
        if (!EmbeddedScenarios.Exists(name))
            throw new CliException($"scenarios show: no embedded scenario '{name}' (known: {string.Join(", ", EmbeddedScenarios.Names)})");
        string json = EmbeddedScenarios.Json(name);
        stdout.Write(json);
        if (!json.EndsWith('\n'))
            stdout.WriteLine();
        return 0;
    }
}
