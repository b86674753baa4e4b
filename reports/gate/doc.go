// Package gate is the CI regression gate of `evalclip run --ci`.
//
// Data flow:
//
//  1. The suite's [ci] section names a baseline results file and a
//     tolerance per metric; the run produces new records.
//  2. [Check] groups both record sets into measurements (a model on a
//     dataset for a task and shots, over seeds; a kernel configuration) and
//     tests each gated metric: accuracies (fractions) may drop by at most
//     the tolerance in absolute terms, other metrics (throughput, timings)
//     by at most the tolerance as a fraction of the baseline, in their
//     worse direction. Classification deltas carry a bootstrap interval
//     (package compare) in the message.
//  3. The [Result] is written as JUnit XML (one testcase per measurement:
//     failure = regression or missing result, error = failed job, skipped
//     = no baseline) and as a Markdown summary for GitHub Actions'
//     $GITHUB_STEP_SUMMARY, with ::error annotations for regressions.
package gate
