using System;

namespace ReclaimFast.Workload.Scenario;

/// <summary>
/// A scenario that cannot be read or run: its message is one line naming the file, the JSON path of the field and
/// the offending value (e.g. <c>scenario.json: machine.nodes[1].zones.normal: "4GB" is not a size</c>).
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public ScenarioException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the error that caused it.</summary>
    public ScenarioException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
