package probe

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// block is a run of consecutive rows of one part.
type block struct {
	part       int
	start, end int
}

// blockRows picks the rows per block: about 1M logits (4 MiB of float32)
// per block, between 256 and 4096 rows.
func blockRows(numClasses int) int {
	return min(max((1<<20)/max(numClasses, 1), 256), 4096)
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

// blockRunner runs a function over the blocks of a row set with a fixed
// number of workers; worker w always gets the same contiguous range of
// blocks, so floating-point sums do not depend on scheduling.
type blockRunner struct {
	r       rows
	blocks  []block
	size    int
	workers int
	bufs    []*blockBuf
}

// blockBuf is one worker's scratch space.
type blockBuf struct {
	xb []float32 // gathered rows (subsets only), size x D
	z  []float32 // logits, then residuals, size x K
}

// newBlockRunner prepares workers over blocks of size rows (0: blockRows).
func newBlockRunner(r rows, numClasses, workers, size int) *blockRunner {
	if size <= 0 {
		size = blockRows(numClasses)
	}
	br := &blockRunner{r: r, blocks: r.blocks(size), size: size}
	br.workers = max(min(workerCount(workers), len(br.blocks)), 1)
	br.bufs = make([]*blockBuf, br.workers)
	gather := false
	for _, p := range r.parts {
		gather = gather || p.idx != nil
	}
	for w := range br.bufs {
		b := &blockBuf{z: make([]float32, size*numClasses)}
		if gather {
			b.xb = make([]float32, size*r.d)
		}
		br.bufs[w] = b
	}
	return br
}

// features returns the block's rows as a contiguous row-major matrix:
// a slice of the caller's X, or a gathered copy in the worker's buffer.
func (br *blockRunner) features(buf *blockBuf, b block) []float32 {
	p := br.r.parts[b.part]
	d := br.r.d
	if p.idx == nil {
		return p.x[b.start*d : b.end*d]
	}
	for i := b.start; i < b.end; i++ {
		j := p.idx[i]
		copy(buf.xb[(i-b.start)*d:(i-b.start+1)*d], p.x[j*d:(j+1)*d])
	}
	return buf.xb[:(b.end-b.start)*d]
}

// run calls fn(w, buf, b) for every block, worker w getting blocks
// [w*B/W, (w+1)*B/W).
func (br *blockRunner) run(fn func(w int, buf *blockBuf, b block)) {
	nb := len(br.blocks)
	if br.workers == 1 {
		for _, b := range br.blocks {
			fn(0, br.bufs[0], b)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range br.workers {
		lo, hi := w*nb/br.workers, (w+1)*nb/br.workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range br.blocks[lo:hi] {
				fn(w, br.bufs[w], b)
			}
		}()
	}
	wg.Wait()
}

// logits computes z = s_i * (x_i . w_k) + b_k for the block's rows into
// buf.z (rows x K) and returns the block's features. w32 is K x D.
func (br *blockRunner) logits(buf *blockBuf, b block, w32 []float32, bias []float64, k int) []float32 {
	d := br.r.d
	nb := b.end - b.start
	xb := br.features(buf, b)
	z := buf.z[:nb*k]
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
		blas32.General{Rows: k, Cols: d, Stride: d, Data: w32},
		0, blas32.General{Rows: nb, Cols: k, Stride: k, Data: z})
	p := br.r.parts[b.part]
	for i := range nb {
		s := float32(1)
		if p.scale != nil {
			s = p.scale[p.row(b.start+i)]
		}
		zi := z[i*k : (i+1)*k]
		for c := range zi {
			zi[c] = float32(float64(s*zi[c]) + bias[c])
		}
	}
	return xb
}

// objective evaluates sklearn's multinomial logistic-regression objective
// F(W, b) = sum_i CE(x_i, y_i) + ||W||^2/(2C) and its gradient over a row
// set; parameters are packed as theta = [W (K x D row-major), b (K)].
type objective struct {
	br   *blockRunner
	k, d int
	invC float64
	w32  []float32
	acc  []*gradAcc
}

// gradAcc is one worker's float64 accumulator.
type gradAcc struct {
	g    []float64 // K x D
	gb   []float64 // K
	g32  []float32 // one block's K x D product
	loss float64
}

// newObjective prepares the objective on r at C; size is the block size
// in rows (0: blockRows).
func newObjective(r rows, numClasses int, C float64, workers, size int) *objective {
	o := &objective{br: newBlockRunner(r, numClasses, workers, size), k: numClasses, d: r.d, invC: 1 / C}
	o.w32 = make([]float32, numClasses*r.d)
	o.acc = make([]*gradAcc, o.br.workers)
	for w := range o.acc {
		o.acc[w] = &gradAcc{g: make([]float64, numClasses*r.d), gb: make([]float64, numClasses), g32: make([]float32, numClasses*r.d)}
	}
	return o
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
	for _, a := range o.acc {
		clear(a.g)
		clear(a.gb)
		a.loss = 0
	}
	o.br.run(func(w int, buf *blockBuf, b block) {
		a := o.acc[w]
		p := o.br.r.parts[b.part]
		nb := b.end - b.start
		xb := o.br.logits(buf, b, o.w32, bias, k)
		z := buf.z[:nb*k]
		loss := 0.0
		for i := range nb {
			row := p.row(b.start + i)
			y := int(p.y[row])
			zi := z[i*k : (i+1)*k]
			m := float64(zi[0])
			for _, v := range zi[1:] {
				m = math.Max(m, float64(v))
			}
			zy := float64(zi[y])
			sum := 0.0
			for c, v := range zi {
				e := math.Exp(float64(v) - m)
				sum += e
				zi[c] = float32(e)
			}
			loss += m + math.Log(sum) - zy
			s := 1.0
			if p.scale != nil {
				s = float64(p.scale[row])
			}
			inv := 1 / sum
			for c := range zi {
				r := float64(zi[c]) * inv
				if c == y {
					r--
				}
				a.gb[c] += r
				zi[c] = float32(r * s)
			}
		}
		a.loss += loss
		// Gradient of the block: R^T X (K x D), float32 over the block,
		// accumulated in float64 across blocks.
		blas32.Gemm(blas.Trans, blas.NoTrans, 1,
			blas32.General{Rows: nb, Cols: k, Stride: k, Data: z},
			blas32.General{Rows: nb, Cols: d, Stride: d, Data: xb},
			0, blas32.General{Rows: k, Cols: d, Stride: d, Data: a.g32})
		for j, v := range a.g32 {
			a.g[j] += float64(v)
		}
	})
	f := 0.0
	clear(grad)
	for _, a := range o.acc {
		f += a.loss
		for j, v := range a.g {
			grad[j] += v
		}
		for c, v := range a.gb {
			grad[kd+c] += v
		}
	}
	reg := 0.0
	for j, v := range theta[:kd] {
		reg += v * v
		grad[j] += o.invC * v
	}
	return f + 0.5*o.invC*reg
}
