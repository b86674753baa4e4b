// Package render writes a report folder from result records: the tables in
// the selected formats, the plots, and an index.html that shows them all.
//
// Data flow:
//
//  1. `evalclip run` (at the end of a run) or `evalclip report` (from saved
//     results.json files) calls [Render] with the records.
//  2. Render builds the tables (package tables) and figures (package plots).
//  3. It writes, atomically, into the output folder: report.md, report.tex,
//     tables/NAME.csv, tables.json, bench.txt (Go benchmark format for
//     benchstat), plots/NAME.png and .svg, and index.html, as the formats
//     ask.
package render
