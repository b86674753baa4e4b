package probe

import (
	"context"
	"math"
)

// L-BFGS settings that follow SciPy's L-BFGS-B as scikit-learn calls it.
const (
	lbfgsMemory = 10                          // maxcor
	lbfgsFTol   = 1e7 * 2.220446049250313e-16 // factr * machine epsilon
	lbfgsMaxLS  = 20                          // function evaluations per line search
	wolfeC1     = 1e-3                        // sufficient decrease (dcsrch ftol)
	wolfeC2     = 0.9                         // curvature (dcsrch gtol)
	// lbfgsNoiseZoom is the number of zoom trials, none of them better
	// than the start, after which a line search gives up: the float32
	// noise of the objective hides what decrease is left.
	lbfgsNoiseZoom = 6
)

// Stop reasons of the optimiser.
const (
	stopGradient  = "gradient below tolerance"
	stopReduction = "relative reduction of the objective below 2.2e-9"
	stopMaxIter   = "iteration limit reached"
	stopLineSrch  = "line search found no better point"
)

// lbfgsResult summarises one minimisation.
type lbfgsResult struct {
	f         float64
	iters     int
	evals     int
	converged bool
	reason    string
}

// lbfgs minimises fg (value, gradient written into its second argument)
// from x, in place, with the limited-memory BFGS two-loop recursion and a
// strong-Wolfe line search. It stops when max|g| <= gtol, when the relative
// decrease of f falls below lbfgsFTol, after maxIter iterations, or when the
// line search cannot improve f (float32 noise at the optimum); ctx is
// checked between iterations.
func lbfgs(ctx context.Context, fg func(x, g []float64) float64, x []float64, maxIter int, gtol float64) (lbfgsResult, error) {
	n := len(x)
	g := make([]float64, n)
	f := fg(x, g)
	res := lbfgsResult{f: f, evals: 1}
	if infNorm(g) <= gtol {
		res.converged, res.reason = true, stopGradient
		return res, nil
	}
	s := make([][]float64, lbfgsMemory)
	y := make([][]float64, lbfgsMemory)
	rho := make([]float64, lbfgsMemory)
	alpha := make([]float64, lbfgsMemory)
	for i := range s {
		s[i] = make([]float64, n)
		y[i] = make([]float64, n)
	}
	stored, head := 0, 0 // pairs kept; next slot
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	res.reason = stopMaxIter
	for res.iters < maxIter {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		// d = -H g by the two-loop recursion.
		for i := range d {
			d[i] = -g[i]
		}
		for j := range stored {
			i := (head - 1 - j + lbfgsMemory) % lbfgsMemory
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		if stored > 0 {
			i := (head - 1 + lbfgsMemory) % lbfgsMemory
			scal(1/(rho[i]*dot(y[i], y[i])), d)
		}
		for j := stored - 1; j >= 0; j-- {
			i := (head - 1 - j + lbfgsMemory) % lbfgsMemory
			beta := rho[i] * dot(y[i], d)
			axpy(alpha[i]-beta, s[i], d)
		}
		gd := dot(g, d)
		if !(gd < 0) { // not a descent direction: restart from steepest descent
			stored = 0
			for i := range d {
				d[i] = -g[i]
			}
			gd = -dot(g, g)
		}
		step := 1.0
		if stored == 0 {
			step = 1 / math.Sqrt(dot(d, d))
		}
		fn, evals, ok := wolfeSearch(fg, x, f, g, d, gd, step, xn, gn)
		res.evals += evals
		if !ok {
			res.reason = stopLineSrch
			break
		}
		res.iters++
		// New curvature pair, kept when it is safely positive.
		for i := range n {
			s[head][i] = xn[i] - x[i]
			y[head][i] = gn[i] - g[i]
		}
		sy := dot(s[head], y[head])
		keep := sy > 2.220446049250313e-16*dot(y[head], y[head])
		fold := f
		copy(x, xn)
		copy(g, gn)
		f = fn
		res.f = f
		if keep {
			rho[head] = 1 / sy
			head = (head + 1) % lbfgsMemory
			stored = min(stored+1, lbfgsMemory)
		}
		if infNorm(g) <= gtol {
			res.converged, res.reason = true, stopGradient
			break
		}
		if (fold - f) <= lbfgsFTol*math.Max(math.Max(math.Abs(fold), math.Abs(f)), 1) {
			res.converged, res.reason = true, stopReduction
			break
		}
	}
	return res, nil
}

// wolfeSearch finds a step t along d from x (value f, gradient g, slope
// gd < 0) that satisfies the strong Wolfe conditions, starting at t0
// (Nocedal and Wright, Algorithms 3.5 and 3.6, with safeguarded cubic
// interpolation). On success xn and gn hold the new point and its
// gradient. When no step satisfies them within lbfgsMaxLS evaluations it
// falls back to the best point with sufficient decrease, if any.
func wolfeSearch(fg func(x, g []float64) float64, x []float64, f float64, g, d []float64, gd, t0 float64, xn, gn []float64) (fn float64, evals int, ok bool) {
	eval := func(t float64) (float64, float64) {
		for i := range x {
			xn[i] = x[i] + t*d[i]
		}
		v := fg(xn, gn)
		evals++
		return v, dot(gn, d)
	}
	sufficient := func(t, v float64) bool { return v <= f+wolfeC1*t*gd }
	curvature := func(dv float64) bool { return math.Abs(dv) <= -wolfeC2*gd }

	// Bracketing phase.
	tPrev, fPrev, dPrev := 0.0, f, gd
	t := t0
	var lo, hi, flo, fhi, dlo, dhi float64
	bracketed := false
	for evals < lbfgsMaxLS {
		v, dv := eval(t)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t = tPrev + 0.5*(t-tPrev)
			continue
		}
		if !sufficient(t, v) || (evals > 1 && v >= fPrev) {
			lo, hi, flo, fhi, dlo, dhi = tPrev, t, fPrev, v, dPrev, dv
			bracketed = true
			break
		}
		if curvature(dv) {
			return v, evals, true
		}
		if dv >= 0 {
			lo, hi, flo, fhi, dlo, dhi = t, tPrev, v, fPrev, dv, dPrev
			bracketed = true
			break
		}
		// Still descending: extrapolate by 1.1 to 4 times the last move.
		next := cubicMin(tPrev, fPrev, dPrev, t, v, dv, t+1.1*(t-tPrev), t+4*(t-tPrev))
		tPrev, fPrev, dPrev = t, v, dv
		t = next
	}
	if bracketed {
		// Zoom phase: lo always satisfies sufficient decrease and has the
		// lowest value seen so far in the bracket.
		for zoom := 0; evals < lbfgsMaxLS; zoom++ {
			// No decrease after several shrinking trials: the objective's
			// float32 noise hides the remaining decrease; stop early.
			if lo == 0 && zoom >= lbfgsNoiseZoom {
				break
			}
			a, b := math.Min(lo, hi), math.Max(lo, hi)
			w := b - a
			t = cubicMin(lo, flo, dlo, hi, fhi, dhi, a+0.1*w, b-0.1*w)
			// The bracket is narrow relative to the step (dcsrch's xtol
			// test): settle for lo, or give up when lo is the start.
			if w <= 0.1*b {
				break
			}
			v, dv := eval(t)
			if !sufficient(t, v) || v >= flo {
				hi, fhi, dhi = t, v, dv
				continue
			}
			if curvature(dv) {
				return v, evals, true
			}
			if dv*(hi-lo) >= 0 {
				hi, fhi, dhi = lo, flo, dlo
			}
			lo, flo, dlo = t, v, dv
		}
		tPrev, fPrev = lo, flo
	}
	// Fall back to the best point with sufficient decrease.
	if tPrev > 0 && fPrev < f {
		v, _ := eval(tPrev)
		return v, evals, true
	}
	return f, evals, false
}

// cubicMin returns the minimiser of the cubic through (a, fa, da) and
// (b, fb, db), clamped to [lo, hi]; with fb unknown (NaN) or a degenerate
// cubic it returns the midpoint of [lo, hi].
func cubicMin(a, fa, da, b, fb, db, lo, hi float64) float64 {
	mid := 0.5 * (lo + hi)
	if math.IsNaN(fb) || a == b {
		return mid
	}
	d1 := da + db - 3*(fa-fb)/(a-b)
	disc := d1*d1 - da*db
	if disc < 0 {
		return mid
	}
	d2 := math.Copysign(math.Sqrt(disc), b-a)
	den := db - da + 2*d2
	if den == 0 {
		return mid
	}
	t := b - (b-a)*(db+d2-d1)/den
	if math.IsNaN(t) {
		return mid
	}
	return math.Min(math.Max(t, lo), hi)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scal(alpha float64, x []float64) {
	for i := range x {
		x[i] *= alpha
	}
}

func infNorm(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
