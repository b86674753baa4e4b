// Package probe is evalclip's linear-probe classifier: L2-regularised
// multinomial logistic regression on frozen image features, fitted with
// L-BFGS, and the CLIP paper's search for the regularisation strength.
//
// Data flow:
//
//  1. Features arrive as row-major float32 matrices with int32 labels in
//     [0, numClasses) ([Data]): from the suite's feature cache through the
//     linear_probe task, or from .npy files ([ReadFeatures], [ReadLabels],
//     [Load]) through `evalclip probe`.
//  2. [Evaluate] validates them (counts, finite values, label range, every
//     class present in train), optionally L2-normalises each row (a per-row
//     scale, X itself is never copied), and carves a stratified validation
//     split from train ([StratifiedSplit]) when none is given.
//  3. The CLIP-paper sweep ([SweepGrid]) fits one model per C on train,
//     each warm-started from the nearest C already fitted, scores top-1
//     accuracy on validation, and bisects in log space around the best C
//     down to 8 steps per decade; on machines with 4 or more workers the
//     two candidates of a bisection round are fitted concurrently.
//  4. The final model ([Fit]) is fitted on train+validation at the chosen C
//     and scored on test: top-1, top-5 and mean per-class recall ([Result]),
//     which the caller turns into a reports.Record.
//
// The objective is scikit-learn's (LogisticRegression, solver "lbfgs",
// multinomial) so that C values are comparable with the CLIP paper and
// sklearn: minimise sum_i CE(x_i) + ||W||^2/(2C) over the weights W
// (numClasses x D) and the unpenalised intercept b, which has the same
// minimiser as C*sum_i CE(x_i) + ||W||^2/2. The optimiser stops like SciPy's
// L-BFGS-B as sklearn 1.2 calls it: max |gradient| <= Tol, a relative
// decrease of the objective below 2.2e-9, or MaxIter iterations. Float32
// GEMMs put a floor of about 1e-8 (relative) under the objective's
// resolution; a fit that reaches it before those tests stops when its line
// search finds no measurable decrease (Model.StopReason says which).
//
// The loss and gradient are two GEMMs per evaluation, through gonum's
// blas32 package-level functions, so an optimised implementation
// registered with blas32.Use (kernels/blas, which `evalclip probe`
// registers) is picked up. The rows are cut into sub-blocks of up to 1024
// rows, and each of Options.Workers goroutines takes a sub-block through
// the whole pipeline on its own core: logits GEMM (transposed, K x rows),
// softmax, loss and residuals, and the gradient GEMM, with no barrier in
// between. While several workers run, OpenBLAS is single-threaded
// (kernels/blas Serial), so that its idle threads neither spin nor compete
// with the workers. On CPUs with AVX-512 the softmax runs in C, eight rows
// per vector, and gives the Go version's bits exactly (same operations in
// the same order, no fused multiply-adds); elsewhere, and without cgo, Go
// runs it. GEMMs are float32; logits are rescaled, shifted and
// exponentiated in float64, and losses, gradients and the L-BFGS state are
// float64. Sub-block j adds into lane j mod 16, each lane's sums are taken
// in order and the lanes are added in lane order, so results do not depend
// on the number of workers.
//
// Memory: besides the caller's X (float32, never copied: normalisation is a
// per-row scale and subsets are gathered a sub-block at a time) the solver
// holds per worker one sub-block of logits (1024 x numClasses float32, fewer
// rows past 1024 classes), one gathered sub-block of X when training on a
// subset and a float32 numClasses x D gradient; per lane (at most 16) a
// float64 numClasses x D gradient; and the L-BFGS history (2*10 vectors of
// numClasses*(D+1) float64). At ImageNet scale (1.28M x 768, 1000 classes)
// that is about 0.25 GB on top of the 3.7 GiB of features.
package probe
