// Command evalclip runs config-driven suites of CLIP evaluations: zero-shot
// and linear-probe classification with ONNX image and text encoders, and
// similarity-kernel timing, writing result records, tables and plots.
//
// Usage:
//
//	evalclip <command> [arguments]
//
// Commands:
//
//	run        run a suite and write results (and the report) to an output folder
//	validate   check suite files without running them
//	report     render tables, plots and index.html from results files
//	compare    compare two results files with bootstrap confidence intervals
//	merge      combine the output folders of a sharded run
//	probe      linear-probe logistic regression on .npy features
//	kernels    time the similarity kernels at one problem size
//	preprocess CLIP-preprocess images into a .npy file
//	tokenize   print CLIP token ids
//	version    print the build and the ONNX Runtime library in use
//	help       show help for a command
//
// Exit status: 0 success; 1 the run failed (a job failed, or the CI gate
// tripped); 2 usage or configuration error (bad flags, bad suite, unusable
// output folder); 130 interrupted (Ctrl-C), with completed results kept.
package main
