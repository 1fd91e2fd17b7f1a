using System;
using System.Diagnostics;
using System.Threading;
using Spectre.Console;

namespace ReclaimFast.Cli.Output;

/// <summary>
/// A progress bar for long runs. The emulation thread only stores the fraction done (<see cref="Report"/>, a plain
/// field write); once a run has lasted a second, a background thread draws a Spectre.Console bar on stderr from that
/// field, so stdout stays clean for <c>--json</c> and short runs show nothing. When stdout or stderr is redirected
/// (not a terminal), nothing is drawn at all: plain output only.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(1);

    private readonly string _description;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew(); // host time: only decides when to draw
    private readonly ManualResetEventSlim _done = new();
    private Thread? _drawer;
    private double _fraction;

    /// <summary>Creates a reporter; <paramref name="interactive"/> null = decide from the console.</summary>
    public ProgressReporter(string description, bool? interactive = null)
    {
        _description = description;
        _interactive = interactive ?? (!Console.IsOutputRedirected && !Console.IsErrorRedirected);
    }

    /// <summary>Whether a bar may be drawn (both stdout and stderr are terminals).</summary>
    public bool Interactive => _interactive;

    /// <summary>The last fraction reported (0..1).</summary>
    public double Fraction => Volatile.Read(ref _fraction);

    /// <summary>Whether the bar has been started.</summary>
    public bool Drawing => _drawer is not null;

    /// <summary>Stores the fraction done (clamped to 0..1); starts the bar once a second has passed.</summary>
    public void Report(double fraction)
    {
        Volatile.Write(ref _fraction, Math.Clamp(fraction, 0, 1));
        if (_interactive && _drawer is null && _clock.Elapsed >= s_delay)
            StartDrawing();
    }

    private void StartDrawing()
    {
        _drawer = new Thread(Draw) { IsBackground = true, Name = "reclaimfast progress" };
        _drawer.Start();
    }

    private void Draw()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(_description, maxValue: 1.0);
                while (!_done.Wait(100))
                    task.Value = Fraction;
                task.Value = Fraction;
            });
    }

    /// <summary>Stops and erases the bar (waits for the drawing thread).</summary>
    public void Dispose()
    {
        _done.Set();
        _drawer?.Join();
        _done.Dispose();
    }
}
