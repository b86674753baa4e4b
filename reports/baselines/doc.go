// Package baselines ships the published numbers evalclip's reports put
// evaluated models beside, as data with sources.
//
// Data flow:
//
//  1. tools/genbaselines turns the hand-checked reference files (the CLIP
//     paper's Tables 2, 10 and 11 with a source line per number; open_clip's
//     published benchmark CSV) into data/clip_paper.csv and data/openclip.csv,
//     renaming datasets and metrics to evalclip's keys.
//  2. Those files are embedded and parsed once into [Entry] values
//     (fractions in [0,1]) by [Paper] and [OpenCLIP].
//  3. Tables and plots look entries up by model, dataset and protocol
//     ([Find]); a model or dataset without a published number yields "no
//     baseline", never an error.
//
// Baselines a user computes (a linear probe on a supervised backbone's
// features, marked with params "supervised": true) are result records, not
// entries; reports draw them next to these.
package baselines
