// Package chart draws Khiên's charts on the server as inline SVG, returned
// as template.HTML for the page templates: no script, no style attribute
// (the site's CSP allows none), no external reference. Every text in the
// SVG is escaped; links are kept only when they are paths on this site.
//
// The charts:
//
//	Grades{Bars}                 the dashboard's sites by grade (A+ … F and
//	                             not yet assessed, zero counts included),
//	                             each row a link to its filtered list;
//	                             GradeCounts builds it from counts by grade
//	History{Points, Gap}         a site's score over time, a point per
//	                             assessment, the grade where it changes
//	Uptime{Days, Threshold}      a bar per day (DailyUptime buckets probes
//	                             by calendar day); a bad day is shorter and
//	                             marked, a day without probes an outline
//	Latency{Probes}              response time over time with its axes, the
//	                             p95 line with its value, and a cross per
//	                             probe without an answer
//	Sparkline{Label, Values}     a small line for a table cell
//
// Each of the first four is a Chart: SVG(l) is the picture, Summary(l)
// one sentence that says what it shows (its <desc>, and a caption), and
// Table(l) the figures as a Table whose HTML() a page can fold in a
// <details>; Figure(c, l) puts the three in a <figure>. A chart with no
// data says so ("Chưa có dữ liệu") in a box of its own, never an empty
// frame or "0 %".
//
// Every word comes from Labels, which the caller fills in the reader's
// language (LabelsFor("vi") and LabelsFor("en") give Khiên's own); the
// package writes numbers, dates and percentages the reader's way.
//
// Readable without colour: values are written as text (counts, the latest
// grade and score, p95), bad days have a mark and a shorter bar, days
// without data are outlines, failed probes are crosses. For screen
// readers each SVG has role="img" (role="group" for the grade rows, which
// are links), a <title> and a <desc> named by aria-labelledby; the ids
// derive from ID, or from the chart's content when ID is empty, so give
// an ID when the same chart may appear twice on a page.
//
// Size: the SVG is 600 units wide and scales to its container; chart.css
// sets its colours (WCAG AA on white) and enlarges its text on phones.
// Lines keep at most two points per plot column, so a chart of thousands
// of probes stays a few kilobytes.
//
// Classes (styled in chart.css): chart, chart-grades, chart-history,
// chart-uptime, chart-latency, chart-empty, chart-empty-box,
// chart-empty-text, chart-link, chart-track, chart-bar, chart-label,
// chart-value, chart-g-ap, chart-g-a, chart-g-b, chart-g-c, chart-g-d,
// chart-g-f, chart-g-none, chart-grid, chart-axis, chart-tick,
// chart-legend, chart-line, chart-point, chart-grade, chart-day-ok,
// chart-day-bad, chart-day-mark, chart-day-nodata, chart-p95,
// chart-p95-label, chart-fail, chart-spark, chart-spark-empty,
// chart-figure, chart-caption, chart-details, chart-table.
package chart
