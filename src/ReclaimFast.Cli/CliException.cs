using System;

namespace ReclaimFast.Cli;

/// <summary>Bad input from the user: printed as one line on stderr, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message)
{
    /// <summary>The exit code for bad input.</summary>
    public const int ExitCode = 2;
}
