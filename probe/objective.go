package probe

import (
	"math"
	"runtime"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/evalclip/evalclip/internal/panics"
)

// block is a run of consecutive rows of one part.
type block struct {
	part       int
	start, end int
}

// blockRows picks the rows per block: about 4M logits (16 MiB of float32)
// per block, between 512 and 8192 rows, so that each GEMM is large enough
// for the BLAS to use all cores.
func blockRows(numClasses int) int {
	return min(max((1<<22)/max(numClasses, 1), 512), 8192)
}

// chunkRows is the unit of the row-parallel work inside a block; sums are
// kept per chunk and added in chunk order, so results do not depend on the
// number of workers.
const chunkRows = 64

// blocks cuts r into blocks of at most size rows.
func (r rows) blocks(size int) []block {
	var out []block
	for pi, p := range r.parts {
		n := p.len()
		for s := 0; s < n; s += size {
			out = append(out, block{part: pi, start: s, end: min(s+size, n)})
		}
	}
	return out
}

// workerCount resolves Options.Workers (0 = all cores).
func workerCount(w int) int {
	if w <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// blockRunner walks a row set block by block. Each block's GEMMs are single
// BLAS calls, which the BLAS spreads over the cores itself (gonum and
// OpenBLAS both do); the per-row work between them (softmax, loss,
// residuals, top-k) is split over the workers in chunks of chunkRows.
type blockRunner struct {
	r       rows
	k       int
	blocks  []block
	size    int
	workers int
	xb      []float32 // gathered rows (subsets only), size x D
	z       []float32 // logits, then residuals, size x K
}

// newBlockRunner prepares a walk over r in blocks of size rows (0:
// blockRows) with the given number of workers (0: all cores).
func newBlockRunner(r rows, numClasses, workers, size int) *blockRunner {
	if size <= 0 {
		size = blockRows(numClasses)
	}
	n := r.n()
	size = max(min(size, n), 1)
	br := &blockRunner{r: r, k: numClasses, blocks: r.blocks(size), size: size, workers: workerCount(workers)}
	br.z = make([]float32, size*numClasses)
	for _, p := range r.parts {
		if p.idx != nil {
			br.xb = make([]float32, size*r.d)
			break
		}
	}
	return br
}

// features returns the block's rows as a contiguous row-major matrix:
// a slice of the caller's X, or a gathered copy.
func (br *blockRunner) features(b block) []float32 {
	p := br.r.parts[b.part]
	d := br.r.d
	if p.idx == nil {
		return p.x[b.start*d : b.end*d]
	}
	for i := b.start; i < b.end; i++ {
		j := p.idx[i]
		copy(br.xb[(i-b.start)*d:(i-b.start+1)*d], p.x[j*d:(j+1)*d])
	}
	return br.xb[:(b.end-b.start)*d]
}

// logits computes z = s_i * (x_i . w_k) + b_k for the block's rows into
// br.z (rows x K) and returns the block's features; w32 is K x D. The
// per-row scale and bias are applied by fixLogits, in the row-parallel
// pass.
func (br *blockRunner) logits(b block, w32 []float32) []float32 {
	d, k := br.r.d, br.k
	nb := b.end - b.start
	xb := br.features(b)
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
		blas32.General{Rows: k, Cols: d, Stride: d, Data: w32},
		0, blas32.General{Rows: nb, Cols: k, Stride: k, Data: br.z[:nb*k]})
	return xb
}

// scale returns the normalising factor of the block's i-th row.
func (br *blockRunner) scale(b block, i int) float64 {
	p := br.r.parts[b.part]
	if p.scale == nil {
		return 1
	}
	return float64(p.scale[p.row(b.start+i)])
}

// chunks calls fn(c, lo, hi) for the chunks of chunkRows rows of a block of
// nb rows, spread over the workers.
func (br *blockRunner) chunks(nb int, fn func(c, lo, hi int)) {
	nc := (nb + chunkRows - 1) / chunkRows
	w := min(br.workers, nc)
	if w <= 1 {
		for c := range nc {
			fn(c, c*chunkRows, min((c+1)*chunkRows, nb))
		}
		return
	}
	var next atomic.Int64
	var g panics.Group
	for range w {
		g.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= nc {
					return
				}
				fn(c, c*chunkRows, min((c+1)*chunkRows, nb))
			}
		})
	}
	g.Wait()
}

// forLogits calls fn(row, z) with the logits (float32, K) of every row of
// r, row being the index in r's row order; calls run concurrently.
func (br *blockRunner) forLogits(w32 []float32, bias []float64, fn func(row int, z []float32)) {
	k := br.k
	offset := make([]int, len(br.r.parts))
	for i := 1; i < len(br.r.parts); i++ {
		offset[i] = offset[i-1] + br.r.parts[i-1].len()
	}
	for _, b := range br.blocks {
		br.logits(b, w32)
		br.chunks(b.end-b.start, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				zi := br.z[i*k : (i+1)*k]
				s := br.scale(b, i)
				for c := range zi {
					zi[c] = float32(s*float64(zi[c]) + bias[c])
				}
				fn(offset[b.part]+b.start+i, zi)
			}
		})
	}
}

// objective evaluates sklearn's multinomial logistic-regression objective
// F(W, b) = sum_i CE(x_i, y_i) + ||W||^2/(2C) and its gradient over a row
// set; parameters are packed as theta = [W (K x D row-major), b (K)].
type objective struct {
	br    *blockRunner
	k, d  int
	invC  float64
	w32   []float32 // W rounded for the GEMMs
	g32   []float32 // one block's R^T X
	loss  []float64 // per chunk of a block
	gbias []float64 // per chunk of a block, K each
	tmp   []float64 // per chunk of a block, one row of K logits
}

// newObjective prepares the objective on r at C; size is the block size
// in rows (0: blockRows).
func newObjective(r rows, numClasses int, C float64, workers, size int) *objective {
	br := newBlockRunner(r, numClasses, workers, size)
	nc := (br.size + chunkRows - 1) / chunkRows
	return &objective{
		br: br, k: numClasses, d: r.d, invC: 1 / C,
		w32:   make([]float32, numClasses*r.d),
		g32:   make([]float32, numClasses*r.d),
		loss:  make([]float64, nc),
		gbias: make([]float64, nc*numClasses),
		tmp:   make([]float64, nc*numClasses),
	}
}

// nparams is the length of theta.
func (o *objective) nparams() int { return o.k*o.d + o.k }

// eval returns F(theta) and writes its gradient into grad.
func (o *objective) eval(theta, grad []float64) float64 {
	k, d := o.k, o.d
	kd := k * d
	for i, v := range theta[:kd] {
		o.w32[i] = float32(v)
	}
	bias := theta[kd:]
	clear(grad)
	gw, gb := grad[:kd], grad[kd:]
	f := 0.0
	br := o.br
	for _, b := range br.blocks {
		p := br.r.parts[b.part]
		nb := b.end - b.start
		xb := br.logits(b, o.w32)
		z := br.z[:nb*k]
		nc := (nb + chunkRows - 1) / chunkRows
		br.chunks(nb, func(c, lo, hi int) {
			loss := 0.0
			gbc := o.gbias[c*k : (c+1)*k]
			t := o.tmp[c*k : (c+1)*k]
			clear(gbc)
			for i := lo; i < hi; i++ {
				y := int(p.y[p.row(b.start+i)])
				s := br.scale(b, i)
				zi := z[i*k : (i+1)*k]
				// Logits in float64 (scale, bias), then a stable softmax.
				m := math.Inf(-1)
				for j, v := range zi {
					x := s*float64(v) + bias[j]
					t[j] = x
					if x > m {
						m = x
					}
				}
				zy := t[y]
				sum := 0.0
				for j, x := range t {
					e := 0.0 // below e^-708 a term adds nothing to sum >= 1
					if d := x - m; d >= -708 {
						e = expNonPos(d)
					}
					t[j] = e
					sum += e
				}
				loss += m + math.Log(sum) - zy
				inv := 1 / sum
				for j, e := range t {
					r := e * inv
					if j == y {
						r--
					}
					gbc[j] += r
					// The residual row, scaled so that R^T X is the
					// gradient with respect to W of the scaled rows.
					zi[j] = float32(r * s)
				}
			}
			o.loss[c] = loss
		})
		for c := range nc {
			f += o.loss[c]
			for j, v := range o.gbias[c*k : (c+1)*k] {
				gb[j] += v
			}
		}
		// R^T X (K x D) in float32 over the block, summed in float64
		// across blocks.
		blas32.Gemm(blas.Trans, blas.NoTrans, 1,
			blas32.General{Rows: nb, Cols: k, Stride: k, Data: z},
			blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
			0, blas32.General{Rows: k, Cols: d, Stride: d, Data: o.g32})
		for j, v := range o.g32 {
			gw[j] += float64(v)
		}
	}
	reg := 0.0
	for j, v := range theta[:kd] {
		reg += v * v
		gw[j] += o.invC * v
	}
	return f + 0.5*o.invC*reg
}

// exp2Frac holds 2^(j/64) for j = 0..63.
var exp2Frac = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// expNonPos returns e^x for -708 <= x <= 0 to within a few ulps: x =
// (64k + j) ln2/64 + r with |r| <= ln2/128, e^r by its Taylor polynomial of
// degree 5 (error below 1e-16), times 2^(j/64) from a table and 2^k. It is
// small enough to be inlined into the softmax loop, where it is several
// times faster than math.Exp.
func expNonPos(x float64) float64 {
	const (
		log2e64 = 64 * 1.44269504088896338700e+00
		ln2Hi64 = 6.93147180369123816490e-01 / 64
		ln2Lo64 = 1.90821492927058770002e-10 / 64
	)
	n := int(x*log2e64 - 0.5) // round to nearest for x <= 0
	r := x - float64(n)*ln2Hi64 - float64(n)*ln2Lo64
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * exp2Frac[n&63] * math.Float64frombits(uint64((n>>6)+1023)<<52)
}
