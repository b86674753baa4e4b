// Package compare puts two runs side by side: per model, dataset, task and
// shots, the change of a metric with a bootstrap confidence interval over
// test samples.
//
// Data flow:
//
//  1. `evalclip compare OLD NEW` reads two results files (reports.ReadFiles)
//     and calls [Compare]; the CI gate (package gate) uses [Delta] for its
//     messages.
//  2. Records are grouped over seeds (reports.GroupSeeds) and matched by
//     task, model, dataset, split and shots.
//  3. The interval resamples test samples from the per-sample top-1
//     correctness each record stores (extra "correct"): paired when both
//     runs scored the same samples (equal lengths), independent otherwise.
//     Because correctness is 0/1, a replicate only needs the counts of
//     each distinct per-sample value, drawn from a multinomial, so 10,000
//     replicates cost microseconds even on ImageNet.
//  4. [Write] prints the rows as text, Markdown, CSV or JSON; a change whose
//     interval excludes zero is marked significant.
package compare
