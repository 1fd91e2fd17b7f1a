namespace ReclaimFast.Cli.Output;

/// <summary>
/// What a run was, for its reports: <paramref name="Scenario"/> and <paramref name="Seed"/> are part of the
/// deterministic summary; <paramref name="WallSeconds"/> is host wall-clock time and goes under <c>"run"</c> only.
/// <paramref name="Ops"/> is the number of ops a stress run was asked for (null for scenario runs).
/// </summary>
internal sealed record RunInfo(string Scenario, ulong Seed, double WallSeconds, long? Ops = null);
