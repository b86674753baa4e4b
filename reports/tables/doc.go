// Package tables turns result records into paper-style tables and writes
// them as Markdown, CSV, LaTeX, HTML and JSON.
//
// Data flow:
//
//  1. Records (reports.Record, read from results.json) are grouped over
//     seeds (reports.GroupSeeds) and matched with shipped baselines
//     (package baselines).
//  2. Builders ([ZeroShot], [ZeroShotDetail], [FewShot], [VsSupervised],
//     [Throughput], [Kernels]; all of them: [Build]; and [Leaderboard], the
//     wide model x dataset table of `evalclip build`) return a [Table]: titled
//     columns and cells that keep their numeric values.
//  3. Writers render tables: [WriteMarkdown], [WriteCSV], [WriteLaTeX],
//     [WriteHTML], [WriteJSON]. (The records themselves in the Go benchmark
//     format are reports.WriteBench.)
//
// Accuracies are shown in percent with one decimal, as the CLIP paper
// prints them; few-shot cells are mean ± sample standard deviation over
// seeds. A missing value reads "–", a NaN metric "NaN", and a model or
// dataset without a published number "no baseline".
package tables
