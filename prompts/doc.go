// Package prompts supplies class names and prompt templates for zero-shot
// classification, and builds the text side of a zero-shot classifier.
//
// Data flow:
//
//  1. Built-in sets (CLIP_benchmark's class names and templates, including
//     OpenAI's 1000 ImageNet names and 80 templates) are embedded from
//     data/; a suite selects one per dataset with `prompts = "pets"`, or
//     supplies its own `classnames` and `templates` files ([Resolve]):
//     line-per-entry text, or CLIP_benchmark's JSON (lists, dataset-keyed
//     objects, CuPL per-class prompts; [ReadTemplateFile],
//     [ReadClassnameFile]), told apart by content.
//  2. [Set.Expand] renders every template for every class ({c} or {} marks
//     the class name), or lists each class's own prompts.
//  3. The text tower embeds the prompts; [Ensemble] ([EnsembleCounts] for
//     per-class prompt lists) L2-normalises each
//     embedding, averages them per class and renormalises, giving the class
//     weights that image embeddings are scored against.
//
// Class names must be in the dataset reader's label order: Resolve checks
// the count, and built-in sets are in the order of the reference datasets.
//
// Other languages ([Request].Language) follow CLIP_benchmark's --language:
// its ar, cn, it and jp files (embedded from data/) give ImageNet-1k's class
// names and the templates of every set in that language. Babel-ImageNet's
// class names (data/babel_imagenet.json, 93 languages) name a subset of
// ImageNet-1k's classes: the [Set]'s Subset lists them, and zero-shot scores
// only their images.
package prompts
