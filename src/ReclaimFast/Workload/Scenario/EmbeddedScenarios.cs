using System;
using System.Collections.Generic;
using System.IO;

namespace ReclaimFast.Workload.Scenario;

/// <summary>The scenarios built into the library (JSON resources from <c>Workload/Scenarios/</c>).</summary>
public static class EmbeddedScenarios
{
    /// <summary>The scenario run when none is given.</summary>
    public const string DefaultName = "default";

    /// <summary>The embedded scenarios' names, in the order <c>reclaimfast scenarios</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["default", "streaming-vs-hot-set", "anon-swap-storm", "memcg-protection", "fragmentation", "hibernate"];

    /// <summary>Whether <paramref name="name"/> is an embedded scenario.</summary>
    public static bool Exists(string name) => ((IList<string>)Names).Contains(name);

    /// <summary>The JSON text of embedded scenario <paramref name="name"/>.</summary>
    public static string Json(string name)
    {
        if (!Exists(name))
            throw new ScenarioException($"{name}: no such embedded scenario (known: {string.Join(", ", Names)})");
        using Stream s = typeof(EmbeddedScenarios).Assembly.GetManifestResourceStream($"ReclaimFast.Scenarios.{name}.json")
            ?? throw new InvalidOperationException($"embedded scenario resource '{name}' is missing from the build");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>Parses and validates embedded scenario <paramref name="name"/> (its messages name <c>NAME.json</c>).</summary>
    public static ScenarioDefinition Load(string name) => ScenarioParser.Parse(Json(name), name + ".json");
}
