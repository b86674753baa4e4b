// Package kerneltask times the similarity kernels and turns the timings
// into result records: the "kernels" task of a suite and the `evalclip
// kernels` command.
//
// Data flow: a Config (from a suite's [[tasks]] type = "kernels" table, or
// from command-line flags) lists shapes, k, dtypes and implementations
// ("all" means every implementation this build can run, less the slow
// baselines); Run expands them into implementation × shape × dtype, skips
// combinations an implementation cannot compute (an implementation that
// can compute none of the dtypes is an error), measures each with
// kernels.Measure (random inputs, warm-up, timed repetitions, a check
// against the float64 reference) and the device's peaks with
// kernels.MeasurePeaks, and returns one reports.Record per measurement
// with task "kernel": metrics ms_median, ms_min, gflops, gbps, peak_gflops,
// peak_gbps, frac_peak, max_abs_err; params impl, dtype, shape, k, device.
// Importing the package registers the suite task.
package kerneltask
