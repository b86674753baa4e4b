// Package encodertest is the conformance suite every encoder backend
// passes (in the style of gonum's blas/testblas): a backend's tests call
// [Run] with a model spec, and the suite opens the model through the
// backend and checks the contracts the tasks rely on —
//
//   - the image tower's preprocessing is valid, its embeddings have Dim
//     finite values per image, are deterministic and do not depend on how
//     images are batched, a wrong pixel count is an error (not a panic), a
//     cancelled context stops it, and RequestSize describes a sane split;
//   - the text tower (nil exactly for image-only specs) has the image
//     tower's width, embeds empty, ordinary and overlong texts, gives
//     different texts different embeddings, is deterministic and
//     batch-invariant;
//   - Describe and Fingerprint are set, and Fingerprint is stable across
//     opens; Close succeeds.
package encodertest
