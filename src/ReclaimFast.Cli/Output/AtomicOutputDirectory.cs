using System;
using System.IO;

namespace ReclaimFast.Cli.Output;

/// <summary>
/// Writes a report tree into a temporary sibling directory and renames it into place only on
/// <see cref="Commit"/>: a failed or interrupted run leaves nothing that looks complete. Disposing without
/// committing deletes the temporary directory.
/// </summary>
internal sealed class AtomicOutputDirectory : IDisposable
{
    private readonly string _final;
    private bool _committed;

    /// <summary>The temporary directory to write into.</summary>
    public string Path { get; }

    public AtomicOutputDirectory(string finalPath)
    {
        _final = System.IO.Path.GetFullPath(finalPath);
        if (File.Exists(_final))
            throw new CliException($"--out: '{finalPath}' is a file, not a directory");
        string parent = System.IO.Path.GetDirectoryName(_final) ?? ".";
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(_final)}.tmp-{Environment.ProcessId}");
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
        Directory.CreateDirectory(Path);
    }

    /// <summary>Creates (if needed) and returns a subdirectory of the temporary tree.</summary>
    public string Sub(string relative)
    {
        string p = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(p);
        return p;
    }

    /// <summary>Moves the finished tree into place, replacing an earlier run's directory.</summary>
    public void Commit()
    {
        if (Directory.Exists(_final))
            Directory.Delete(_final, recursive: true);
        Directory.Move(Path, _final);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
