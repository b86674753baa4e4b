// Package reports owns evalclip's result records and everything rendered
// from them.
//
// Data flow:
//
//  1. Task implementations (zero-shot, linear probe, kernels) return one
//     [Record] per measurement.
//  2. The suite runner stamps each record with the run's [RunInfo] and saves
//     the growing list as OUT/results.json (a JSON array) after every job,
//     atomically, with [WriteResults].
//  3. Readers ([ReadResults], [ReadFiles]) load results files back for
//     re-rendering ([Combine] joins several, refusing a measurement present
//     twice), comparison and the CI gate; [Merge] joins the shards of one
//     sharded run, checking suite, shards and plan.
//  4. Every name of a measurement comes from its [Key] ([Record.Key]: task,
//     model, dataset, split, k, seed and the task's own dimensions from
//     [TaskInfo]): [Key.ID], [Key.GroupID] (tables, compare, the gate),
//     [Key.BenchName] ([WriteBench], the Go benchmark format benchstat
//     reads). The units table ([Unit], [RegisterUnit]) says how each metric
//     is titled, which way is better and how it is written for benchstat.
//  5. CLIP_benchmark's result files (one JSON object per evaluation) are
//     read as records by [ReadResults] and [ReadFiles] (a file or a folder
//     of them, [ReadCLIPBenchmark]) and written by [CLIPBenchmarkResult];
//     [Record.MatchKey] pairs records across the two formats by open_clip
//     model and pretrained tag, CLIP_benchmark dataset name and task.
//  6. [GroupSeeds] gathers a measurement's records over seeds for the
//     tables, plots, comparison and gate in the sub-packages: baselines
//     (published numbers), tables, plots, render (the report folder),
//     compare (bootstrap intervals) and gate (CI regression gate, JUnit).
//
// Accuracies are fractions in [0,1] under fixed names ([MetricAcc1],
// [MetricAcc5], [MetricMeanPerClassRecall]); NaN and infinite values are
// written as JSON null and read back as NaN, so a broken metric is visible
// rather than fatal.
package reports
