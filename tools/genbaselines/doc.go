// Command genbaselines writes evalclip's shipped baseline data
// (reports/baselines/data) from the reference files that record where each
// number comes from:
//
//   - clip_paper_baselines.csv: the CLIP paper's zero-shot (Table 11) and
//     linear-probe (Table 10) numbers, the ResNet-50 supervised baselines and
//     the human Oxford-IIIT Pets accuracies (Table 2), one source per row;
//   - openclip_results.csv: open_clip's published zero-shot benchmark
//     (mlfoundations/open_clip docs/openclip_results.csv).
//
// It renames datasets, protocols and metrics to evalclip's keys (dataset
// "OxfordPets" is "pets", metric "mean_per_class" is
// "mean_per_class_recall"), keeps every value as printed, and keeps the
// per-row sources. Run from the repository root:
//
//	go run ./tools/genbaselines -ref ../shared/reference
package main
