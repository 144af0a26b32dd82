using System.Globalization;
using System.Net;
using DriftSentinel.Core.Findings;
using DriftSentinel.Core.History;
using DriftSentinel.Core.Model;
using DriftSentinel.Core.Rules;

namespace DriftSentinel.Reporting;

/// <summary>
/// The pictures in report.html as inline SVG drawn here, so the page stays one file with no script library: findings
/// over the recorded runs, open findings by environment and rule, production changes over time by classification.
/// Each shape carries a tooltip with its numbers; the tables beside the charts hold the same figures as text.
/// </summary>
internal static class HtmlCharts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Severity colours, most severe first (also the order of every legend).</summary>
    public static readonly (Severity Severity, string Colour)[] SeverityColours =
        [(Severity.Critical, "#a40e26"), (Severity.High, "#d4600a"), (Severity.Medium, "#bf8700"), (Severity.Low, "#0969da"), (Severity.Info, "#6e7781")];

    /// <summary>Production change classifications with their colour and what each means, in the legend's order.</summary>
    public static readonly (ChangeClassification Class, string Colour, string Meaning)[] ChangeClasses =
    [
        (ChangeClassification.ApprovedPipelineRun, "#1a7f37", "a pipeline run, approved as the baseline requires, made the change"),
        (ChangeClassification.BreakGlass, "#8250df", "a declared break-glass identity made it: review the incident that called for it"),
        (ChangeClassification.PipelineIdentityOutsideRun, "#d4600a", "the deploy identity acted, but no pipeline run explains it (credentials used outside CI)"),
        (ChangeClassification.OutOfBand, "#a40e26", "a person or an unknown identity changed production with no run or break-glass behind it"),
    ];

    public static string Colour(ChangeClassification c) => ChangeClasses.First(x => x.Class == c).Colour;

    /// <summary>Open findings per severity over the recorded runs, oldest left; one line per severity that ever had any.</summary>
    public static void Trend(TextWriter w, IReadOnlyList<RunTrendPoint> points)
    {
        const int width = 760, height = 240, left = 48, right = 130, top = 12, bottom = 36;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var max = Math.Max(1, points.SelectMany(p => p.Open.Values).DefaultIfEmpty(0).Max());
        double X(int i) => left + (points.Count == 1 ? plotW / 2.0 : plotW * i / (double)(points.Count - 1));
        double Y(int v) => top + plotH - (plotH * v / (double)max);

        w.Write($"<svg class=\"chart\" id=\"chart-trend\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-trend-title\"><title id=\"chart-trend-title\">Open findings by severity over the last {points.Count} recorded run(s)</title>");
        Axes(w, left, top, plotW, plotH, max);
        foreach (var (severity, colour) in SeverityColours)
        {
            if (!points.Any(p => p.Open.GetValueOrDefault(severity) > 0))
            {
                continue;
            }

            var line = string.Join(' ', points.Select((p, i) => $"{F(X(i))},{F(Y(p.Open.GetValueOrDefault(severity)))}"));
            if (points.Count > 1)
            {
                w.Write($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{line}\"/>");
            }

            for (var i = 0; i < points.Count; i++)
            {
                var p = points[i];
                var n = p.Open.GetValueOrDefault(severity);
                w.Write($"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(n))}\" r=\"3\" fill=\"{colour}\"><title>run #{p.RunId.ToString(Inv)} as of {ReportFormat.Time(p.AsOf)}: {n.ToString(Inv)} {severity.ToText()}</title></circle>");
            }
        }

        Text(w, left, height - 12, ReportFormat.Time(points[0].AsOf)[..10] + $" (run #{points[0].RunId.ToString(Inv)})", "start");
        if (points.Count > 1)
        {
            Text(w, left + plotW, height - 12, ReportFormat.Time(points[^1].AsOf)[..10] + $" (run #{points[^1].RunId.ToString(Inv)})", "end");
        }

        Legend(w, left + plotW + 16, top, SeverityColours.Select(s => (s.Colour, $"{s.Severity.ToText()} ({points[^1].Open.GetValueOrDefault(s.Severity).ToString("N0", Inv)})")));
        w.Write("</svg>");
    }

    /// <summary>
    /// Open findings by rule (rows) and environment (columns); the deeper the colour, the more findings. At most
    /// <paramref name="maxColumns"/> environments, the busiest, with the rest summed in one "other" column, so a
    /// sprawling estate still fits on a screen.
    /// </summary>
    public static void Heatmap(TextWriter w, IReadOnlyList<Finding> active, Func<string, string> ruleTitle, int maxColumns = 10)
    {
        var rules = active.Select(f => f.RuleId).Distinct().Order(NaturalOrder.Instance).ToList();
        var busiest = active.GroupBy(f => f.Environment ?? "(unmapped)").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, NaturalOrder.Instance).Select(g => g.Key).ToList();
        var shown = busiest.Take(busiest.Count > maxColumns ? maxColumns - 1 : maxColumns).ToHashSet(StringComparer.Ordinal);
        var columns = shown.OrderBy(e => e == "(unmapped)").ThenBy(e => e, NaturalOrder.Instance).ToList();
        var other = busiest.Count - shown.Count;
        if (other > 0)
        {
            columns.Add($"{other.ToString(Inv)} other");
        }

        string Column(Finding f)
        {
            var env = f.Environment ?? "(unmapped)";
            return shown.Contains(env) ? env : columns[^1];
        }

        var cells = active.GroupBy(f => (f.RuleId, Column(f))).ToDictionary(g => g.Key, g => g.Count());
        var max = Math.Max(1, cells.Values.DefaultIfEmpty(0).Max());
        const int labelW = 300, cellW = 84, cellH = 24, headH = 26;
        var width = labelW + (columns.Count * cellW) + 4;
        var height = headH + (rules.Count * cellH) + 4;
        w.Write($"<svg class=\"chart\" id=\"chart-heatmap\" viewBox=\"0 0 {width} {height}\" style=\"max-width:{width}px\" role=\"img\" aria-labelledby=\"chart-heatmap-title\"><title id=\"chart-heatmap-title\">Open findings by rule and environment</title>");
        for (var c = 0; c < columns.Count; c++)
        {
            var name = columns[c];
            w.Write($"<text x=\"{labelW + (c * cellW) + (cellW / 2)}\" y=\"{headH - 9}\" text-anchor=\"middle\"><title>{E(name)}</title>{E(Clip(name, 13))}</text>");
        }

        for (var r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            var y = headH + (r * cellH);
            var label = $"{rule} {ruleTitle(rule)}";
            w.Write($"<text x=\"{labelW - 8}\" y=\"{y + 16}\" text-anchor=\"end\"><title>{E(label)}</title>{E(Clip(label, 44))}</text>");
            for (var c = 0; c < columns.Count; c++)
            {
                var n = cells.GetValueOrDefault((rule, columns[c]));
                var x = labelW + (c * cellW);
                if (n == 0)
                {
                    w.Write($"<rect x=\"{x + 1}\" y=\"{y + 1}\" width=\"{cellW - 2}\" height=\"{cellH - 2}\" fill=\"#f6f8fa\"><title>{E(rule)} · {E(columns[c])}: none open</title></rect>");
                    continue;
                }

                // A square-root scale keeps a cell with a handful of findings visible beside one with thousands.
                var depth = 0.18 + (0.82 * Math.Sqrt(n / (double)max));
                w.Write($"<rect x=\"{x + 1}\" y=\"{y + 1}\" width=\"{cellW - 2}\" height=\"{cellH - 2}\" fill=\"#bc4c00\" fill-opacity=\"{F(depth)}\"><title>{E(rule)} · {E(columns[c])}: {n.ToString("N0", Inv)} open</title></rect>");
                w.Write($"<text x=\"{x + (cellW / 2)}\" y=\"{y + 16}\" text-anchor=\"middle\" fill=\"{(depth > 0.55 ? "#fff" : "#1b1f24")}\">{n.ToString("N0", Inv)}</text>");
            }
        }

        w.Write("</svg>");
    }

    private static string Clip(string s, int max) => s.Length > max ? s[..(max - 1)] + "…" : s;

    /// <summary>Production changes per day (per week over long windows), stacked by classification.</summary>
    public static void Timeline(TextWriter w, IReadOnlyList<ProductionChange> changes)
    {
        const int width = 760, height = 220, left = 48, right = 12, top = 12, bottom = 36;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var first = changes.Min(c => c.Time).UtcDateTime.Date;
        var last = changes.Max(c => c.Time).UtcDateTime.Date;
        var days = (int)(last - first).TotalDays + 1;
        var step = days > 120 ? 7 : 1;
        var buckets = ((days - 1) / step) + 1;
        var counts = new Dictionary<ChangeClassification, int>[buckets];
        for (var i = 0; i < buckets; i++)
        {
            counts[i] = [];
        }

        foreach (var c in changes)
        {
            var b = (int)(c.Time.UtcDateTime.Date - first).TotalDays / step;
            counts[b][c.Classification] = counts[b].GetValueOrDefault(c.Classification) + 1;
        }

        var max = Math.Max(1, counts.Max(c => c.Values.Sum()));
        var barW = plotW / (double)buckets;
        w.Write($"<svg class=\"chart\" id=\"chart-changes\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-changes-title\"><title id=\"chart-changes-title\">Production changes per {(step == 1 ? "day" : "week")} by classification</title>");
        Axes(w, left, top, plotW, plotH, max);
        for (var i = 0; i < buckets; i++)
        {
            var y = (double)(top + plotH);
            var day = first.AddDays(i * step).ToString("yyyy-MM-dd", Inv);
            var tip = string.Join(", ", ChangeClasses.Where(k => counts[i].ContainsKey(k.Class)).Select(k => $"{counts[i][k.Class].ToString(Inv)} {ChangeText.Of(k.Class)}"));
            foreach (var (cls, colour, _) in ChangeClasses)
            {
                if (counts[i].GetValueOrDefault(cls) is var n && n == 0)
                {
                    continue;
                }

                var h = plotH * n / (double)max;
                y -= h;
                w.Write($"<rect x=\"{F(left + (i * barW) + (barW * 0.1))}\" y=\"{F(y)}\" width=\"{F(Math.Max(1, barW * 0.8))}\" height=\"{F(h)}\" fill=\"{colour}\"><title>{(step == 1 ? day : $"week of {day}")}: {E(tip)}</title></rect>");
            }
        }

        Text(w, left, height - 12, first.ToString("yyyy-MM-dd", Inv), "start");
        if (buckets > 1)
        {
            Text(w, left + plotW, height - 12, last.ToString("yyyy-MM-dd", Inv), "end");
        }

        w.Write("</svg>");
    }

    private static void Axes(TextWriter w, int left, int top, int plotW, int plotH, int max)
    {
        w.Write($"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#8c959f\"/>");
        foreach (var v in new[] { 0, max / 2, max }.Distinct())
        {
            var y = top + plotH - (plotH * v / (double)max);
            w.Write($"<line x1=\"{left}\" y1=\"{F(y)}\" x2=\"{left + plotW}\" y2=\"{F(y)}\" stroke=\"#d0d7de\" stroke-dasharray=\"3 3\"/>");
            Text(w, left - 6, (int)y + 4, v.ToString("N0", Inv), "end");
        }
    }

    private static void Legend(TextWriter w, int x, int y, IEnumerable<(string Colour, string Label)> items)
    {
        foreach (var (colour, label) in items)
        {
            w.Write($"<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>");
            Text(w, x + 18, y + 11, label, "start");
            y += 20;
        }
    }

    private static void Text(TextWriter w, int x, int y, string text, string anchor) =>
        w.Write($"<text x=\"{x}\" y=\"{y}\" text-anchor=\"{anchor}\">{E(text)}</text>");

    private static string F(double v) => v.ToString("0.#", Inv);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
