// Package plots draws evalclip's report figures with gonum.org/v1/plot.
//
// Data flow:
//
//  1. Records (from results.json) are grouped over seeds
//     (reports.GroupSeeds); published numbers come from package baselines.
//  2. Each builder returns a [Figure] (a *plot.Plot and its size) or nothing
//     when the records hold no data for it:
//     [FewShot] accuracy vs shots per dataset (log2 x axis, zero-shot and
//     baselines as horizontal lines; CLIP paper Figure 6 style);
//     [VsSupervised] zero-shot minus a supervised linear probe per dataset
//     (Figure 5 style); [Throughput] accuracy vs image-tower images/s per
//     backbone; [Roofline] kernel GFLOP/s vs arithmetic intensity under the
//     measured ceilings; [Confusion] a row-normalised confusion matrix of one
//     model on one dataset (read from either the dense or the sparse extra
//     by [ConfusionMatrix], at most [MaxDrawClasses] classes); [Humans] CLIP vs humans on Oxford-IIIT Pets (the
//     paper's Table 2 beside the evaluated models).
//  3. [Figure.Render] encodes a figure as PNG or SVG; the render package
//     writes the files and shows them in index.html.
//
// Figures are deterministic: the same records give byte-identical SVG and
// PNG files (the golden-image tests rely on it).
package plots
