package probe

import (
	"math"
	"runtime"
	"slices"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/evalclip/evalclip/internal/panics"
	kblas "github.com/evalclip/evalclip/kernels/blas"
)

// block is a run of consecutive rows of one part.
type block struct {
	part       int
	start, end int
}

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

// features returns block b's rows as a contiguous row-major matrix: a
// slice of the caller's X, or a copy gathered into buf (at least the
// block's rows x D).
func (r rows) features(b block, buf []float32) []float32 {
	p := r.parts[b.part]
	d := r.d
	if p.idx == nil {
		return p.x[b.start*d : b.end*d]
	}
	for i := b.start; i < b.end; i++ {
		j := p.idx[i]
		copy(buf[(i-b.start)*d:(i-b.start+1)*d], p.x[j*d:(j+1)*d])
	}
	return buf[:(b.end-b.start)*d]
}

// gathers reports whether any part of r is a subset (rows listed in idx),
// whose blocks need copying into a contiguous buffer.
func (r rows) gathers() bool {
	for _, p := range r.parts {
		if p.idx != nil {
			return true
		}
	}
	return false
}

// logitsGemm computes z = X_b W^T for block rows xb (nb x D) and w32
// (K x D) into z (nb x K).
func logitsGemm(xb, w32, z []float32, nb, d, k int) {
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
		blas32.General{Rows: k, Cols: d, Stride: d, Data: w32},
		0, blas32.General{Rows: nb, Cols: k, Stride: k, Data: z[:nb*k]})
}

// serialBLAS makes the BLAS single-threaded while workers > 1 goroutines
// run their own GEMMs (see kernels/blas Serial); the returned function
// undoes it.
func serialBLAS(workers int) func() {
	if workerCount(workers) > 1 {
		return kblas.Serial()
	}
	return func() {}
}

// forLogits calls fn(row, z) with the logits s_i (x_i . w_k) + b_k
// (float32, K) of every row of r, row being the index in r's row order;
// w32 is W (K x D). Blocks of rows are spread over the workers, each
// computing its blocks' GEMMs on its own core; calls run concurrently.
func forLogits(r rows, k int, w32 []float32, bias []float64, workers int, fn func(row int, z []float32)) {
	size := max(min(subRows(k), r.n()), 1)
	blocks := r.blocks(size)
	offset := make([]int, len(r.parts))
	for i := 1; i < len(r.parts); i++ {
		offset[i] = offset[i-1] + r.parts[i-1].len()
	}
	w := max(min(workerCount(workers), len(blocks)), 1)
	defer serialBLAS(w)()
	gather := r.gathers()
	var next atomic.Int64
	var g panics.Group
	for range w {
		g.Go(func() {
			z := make([]float32, size*k)
			var buf []float32
			if gather {
				buf = make([]float32, size*r.d)
			}
			for {
				j := int(next.Add(1) - 1)
				if j >= len(blocks) {
					return
				}
				b := blocks[j]
				p := r.parts[b.part]
				nb := b.end - b.start
				logitsGemm(r.features(b, buf), w32, z, nb, r.d, k)
				for i := range nb {
					zi := z[i*k : (i+1)*k]
					s := 1.0
					if p.scale != nil {
						s = float64(p.scale[p.row(b.start+i)])
					}
					for c := range zi {
						zi[c] = float32(s*float64(zi[c]) + bias[c])
					}
					fn(offset[b.part]+b.start+i, zi)
				}
			}
		})
	}
	g.Wait()
}

// objectiveLanes is the number of fixed partial sums of the objective:
// sub-block j of the rows belongs to lane j mod objectiveLanes, each lane's
// sub-blocks are summed in order by one worker, and the lanes are added in
// lane order, so that the value and gradient do not depend on the number
// of workers (up to objectiveLanes of them run at once).
const objectiveLanes = 16

// subRows picks the rows per sub-block of the objective: 1024 (each
// worker's GEMMs are then large enough to run near the core's peak), fewer
// when the logits of 1024 rows would pass 4 MiB.
func subRows(numClasses int) int {
	return min(max((1<<20)/max(numClasses, 1), 64), 1024)
}

// objective evaluates sklearn's multinomial logistic-regression objective
// F(W, b) = sum_i CE(x_i, y_i) + ||W||^2/(2C) and its gradient over a row
// set; parameters are packed as theta = [W (K x D row-major), b (K)].
//
// The rows are cut into sub-blocks, and each worker takes whole lanes of
// them: for each sub-block it computes the logits (one GEMM), the softmax,
// loss and residuals, and R^T X (a second GEMM) on its own core, with no
// barrier between the two GEMMs, and adds them into the lane's float64
// sums. With more than one worker the BLAS runs single-threaded meanwhile
// (kernels/blas Serial), so that its threads neither spin nor compete
// with the workers.
type objective struct {
	r       rows
	k, d    int
	invC    float64
	workers int
	w32     []float32     // W rounded for the GEMMs
	subs    []block       // sub-blocks in row order
	lanes   []*objLane    // by number of sub-blocks, the order workers take them
	ordered []*objLane    // the same in lane order, the order they are summed
	scratch []*objScratch // one per worker
}

// objLane holds one lane's sums: loss, bias gradient (K) and weight
// gradient (K x D).
type objLane struct {
	subs []int // its sub-blocks, ascending
	loss float64
	gb   []float64
	gw   []float64
}

// objScratch is one worker's buffers for one sub-block.
type objScratch struct {
	xb   []float32 // gathered rows (subsets only), sub x D
	z    []float32 // logits, then residuals, sub x K
	g32  []float32 // R^T X of the sub-block, K x D
	y    []int32   // the sub-block's labels
	s    []float64 // its row scales (normalised features)
	args softmaxArgs
}

// newObjective prepares the objective on r at C; size is the sub-block
// size in rows (0: subRows).
func newObjective(r rows, numClasses int, C float64, workers, size int) *objective {
	if size <= 0 {
		size = subRows(numClasses)
	}
	size = max(min(size, r.n()), 1)
	o := &objective{r: r, k: numClasses, d: r.d, invC: 1 / C, subs: r.blocks(size)}
	o.w32 = make([]float32, numClasses*r.d)
	nl := min(objectiveLanes, len(o.subs))
	for l := range nl {
		ln := &objLane{gb: make([]float64, numClasses), gw: make([]float64, numClasses*r.d)}
		for j := l; j < len(o.subs); j += objectiveLanes {
			ln.subs = append(ln.subs, j)
		}
		o.lanes = append(o.lanes, ln)
	}
	o.ordered = slices.Clone(o.lanes)
	// Lanes with more sub-blocks first, so that the last lanes taken are
	// the short ones.
	slices.SortStableFunc(o.lanes, func(a, b *objLane) int { return len(b.subs) - len(a.subs) })
	o.workers = max(min(workerCount(workers), len(o.lanes)), 1)
	gather := r.gathers()
	for range o.workers {
		sc := &objScratch{z: make([]float32, size*numClasses), g32: make([]float32, numClasses*r.d),
			y: make([]int32, size), s: make([]float64, size)}
		sc.args = softmaxArgs{k: numClasses, y: sc.y, t: make([]float64, 8*numClasses), gbp: make([]float64, 8*numClasses),
			rowMax: make([]float64, size), rowSum: make([]float64, size), rowY: make([]float64, size)}
		if gather {
			sc.xb = make([]float32, size*r.d)
		}
		o.scratch = append(o.scratch, sc)
	}
	return o
}

// nparams is the length of theta.
func (o *objective) nparams() int { return o.k*o.d + o.k }

// eval returns F(theta) and writes its gradient into grad.
func (o *objective) eval(theta, grad []float64) float64 {
	kd := o.k * o.d
	for i, v := range theta[:kd] {
		o.w32[i] = float32(v)
	}
	bias := theta[kd:]
	defer serialBLAS(o.workers)()
	var next atomic.Int64
	var g panics.Group
	for w := range o.workers {
		g.Go(func() {
			for {
				l := int(next.Add(1) - 1)
				if l >= len(o.lanes) {
					return
				}
				o.lane(o.lanes[l], o.scratch[w], bias)
			}
		})
	}
	g.Wait()

	// Lanes in lane order (o.ordered; o.lanes is by size), element ranges
	// in parallel.
	ordered := o.ordered
	f := 0.0
	gw, gb := grad[:kd], grad[kd:]
	clear(gb)
	for _, ln := range ordered {
		f += ln.loss
		for j, v := range ln.gb {
			gb[j] += v
		}
	}
	per := (kd + o.workers - 1) / o.workers
	var regs [objectiveLanes]float64
	for w := range o.workers {
		lo, hi := min(w*per, kd), min((w+1)*per, kd)
		g.Go(func() {
			reg := 0.0
			for j := lo; j < hi; j++ {
				s := 0.0
				for _, ln := range ordered {
					s += ln.gw[j]
				}
				v := theta[j]
				reg += v * v
				gw[j] = s + o.invC*v
			}
			regs[w] = reg
		})
	}
	g.Wait()
	reg := 0.0
	for _, v := range regs[:o.workers] {
		reg += v
	}
	return f + 0.5*o.invC*reg
}

// lane sums the loss and gradient of one lane's sub-blocks into it.
func (o *objective) lane(ln *objLane, sc *objScratch, bias []float64) {
	k, d := o.k, o.d
	ln.loss = 0
	clear(ln.gb)
	for n, j := range ln.subs {
		b := o.subs[j]
		p := o.r.parts[b.part]
		nb := b.end - b.start
		xb := o.r.features(b, sc.xb)
		// The logits transposed, K x nb: each class's logits of the rows
		// are contiguous for the softmax's row-per-lane vectors.
		z := sc.z[:nb*k]
		blas32.Gemm(blas.NoTrans, blas.Trans, 1,
			blas32.General{Rows: k, Cols: d, Stride: d, Data: o.w32},
			blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
			0, blas32.General{Rows: k, Cols: nb, Stride: nb, Data: z})
		sa := &sc.args
		sa.z, sa.nb, sa.bias, sa.gb, sa.s = z, nb, bias, ln.gb, nil
		if p.scale != nil {
			sa.s = sc.s[:nb]
		}
		for i := range nb {
			r := p.row(b.start + i)
			sc.y[i] = p.y[r]
			if p.scale != nil {
				sc.s[i] = float64(p.scale[r])
			}
		}
		softmaxBlock(sa)
		for i := range nb {
			ln.loss += sa.rowMax[i] + math.Log(sa.rowSum[i]) - sa.rowY[i]
		}
		// R^T X (K x D) in float32 over the sub-block, summed in float64
		// over the lane's sub-blocks.
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
			blas32.General{Rows: k, Cols: nb, Stride: nb, Data: z},
			blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
			0, blas32.General{Rows: k, Cols: d, Stride: d, Data: sc.g32})
		if n == 0 {
			for c, v := range sc.g32 {
				ln.gw[c] = float64(v)
			}
		} else {
			for c, v := range sc.g32 {
				ln.gw[c] += float64(v)
			}
		}
	}
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
