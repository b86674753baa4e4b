package gate

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Verdict is the gate's one-word outcome: "PASS" or "FAIL".
func (r *Result) Verdict() string {
	if r.Failed() {
		return "FAIL"
	}
	return "PASS"
}

// WriteHTML writes the gate's outcome as an HTML section for index.html:
// the verdict and counts, then per measurement and checked metric the
// baseline, the value now, the tolerance and limit, and pass or fail.
func (r *Result) WriteHTML(w io.Writer) error {
	var b strings.Builder
	pass, fail, errs, skip := r.Counts()
	fmt.Fprintf(&b, "<section id=\"ci-gate\">\n<h2>CI gate: <span class=\"verdict %s\">%s</span></h2>\n", strings.ToLower(r.Verdict()), r.Verdict())
	fmt.Fprintf(&b, "<p>%d passed, %d failed, %d errors, %d skipped against <code>%s</code>.</p>\n", pass, fail, errs, skip, html.EscapeString(r.BaselinePath))
	if len(r.Notes) > 0 {
		b.WriteString("<ul>\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "<li class=\"note\">%s</li>\n", html.EscapeString(n))
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("<table>\n<thead><tr><th>measurement</th><th>status</th><th>metric</th><th class=\"num\">baseline</th><th class=\"num\">now</th><th class=\"num\">tolerance</th><th class=\"num\">limit</th><th>interval</th><th>message</th></tr></thead>\n<tbody>\n")
	cell := func(metric string, v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return html.EscapeString(fmtValue(metric, v))
	}
	for _, c := range r.Cases {
		status := fmt.Sprintf("<td class=\"%s\">%s</td>", c.Status, strings.ToUpper(string(c.Status)))
		if len(c.Checks) == 0 {
			fmt.Fprintf(&b, "<tr><td>%s</td>%s<td colspan=\"6\"></td><td>%s</td></tr>\n", html.EscapeString(c.ID), status, html.EscapeString(c.Message))
			continue
		}
		for i, ch := range c.Checks {
			id, st, msg := html.EscapeString(c.ID), status, html.EscapeString(ch.String())
			if i > 0 {
				id, st = "", "<td></td>"
			}
			verdict := "pass"
			if ch.Regressed {
				verdict = "fail"
			}
			tol := fmtTolerance(ch)
			fmt.Fprintf(&b, "<tr><td>%s</td>%s<td class=\"%s\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td><td>%s</td></tr>\n",
				id, st, verdict, html.EscapeString(ch.Metric), cell(ch.Metric, ch.Baseline), cell(ch.Metric, ch.Now), tol, cell(ch.Metric, ch.Limit),
				html.EscapeString(ch.Interval), msg)
		}
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// fmtTolerance shows a check's tolerance: percentage points for
// accuracies, a fraction of the baseline otherwise.
func fmtTolerance(c Check) string {
	if c.Relative {
		return fmt.Sprintf("%.3g%%", c.Tolerance*100)
	}
	return fmt.Sprintf("%.2f pp", c.Tolerance*100)
}
