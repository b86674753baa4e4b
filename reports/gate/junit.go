package gate

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string          `xml:"name,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Skipped   int             `xml:"skipped,attr"`
	Time      string          `xml:"time,attr"`
	Timestamp string          `xml:"timestamp,attr,omitempty"`
	Props     []junitProperty `xml:"properties>property,omitempty"`
	Cases     []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Time    string        `xml:"time,attr"`
	Failure *junitMessage `xml:"failure,omitempty"`
	Error   *junitMessage `xml:"error,omitempty"`
	Skipped *junitMessage `xml:"skipped,omitempty"`
	Out     string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

func secs(s float64) string {
	if math.IsNaN(s) || s < 0 {
		s = 0
	}
	return fmt.Sprintf("%.3f", s)
}

// WriteJUnit writes the result as JUnit XML: one testsuite per run, one
// testcase per measurement. started stamps the suite (zero omits it).
func (r *Result) WriteJUnit(w io.Writer, started time.Time) error {
	pass, fail, errs, skip := r.Counts()
	s := junitSuite{Name: "evalclip." + r.Suite, Tests: pass + fail + errs + skip, Failures: fail, Errors: errs, Skipped: skip,
		Props: []junitProperty{{Name: "baseline", Value: r.BaselinePath}}}
	if !started.IsZero() {
		s.Timestamp = started.UTC().Format("2006-01-02T15:04:05")
	}
	var total float64
	for _, c := range r.Cases {
		jc := junitCase{Class: c.Class, Name: c.Name, Time: secs(c.TimeS)}
		total += c.TimeS
		switch c.Status {
		case Fail:
			jc.Failure = &junitMessage{Message: c.Message, Type: "regression", Body: c.details()}
		case Error:
			jc.Error = &junitMessage{Message: c.Message, Type: "job failed"}
		case Skip:
			jc.Skipped = &junitMessage{Message: c.Message}
		default:
			jc.Out = c.details()
		}
		s.Cases = append(s.Cases, jc)
	}
	s.Time = secs(total)
	doc := junitSuites{Name: "evalclip", Tests: s.Tests, Failures: fail, Errors: errs, Skipped: skip, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (c *Case) details() string {
	var lines []string
	for _, ch := range c.Checks {
		lines = append(lines, ch.String())
	}
	return strings.Join(lines, "\n")
}

// WriteSummary writes a Markdown summary for GitHub Actions'
// $GITHUB_STEP_SUMMARY (and for humans): the verdict, then failures and
// errors, then every gated check.
func (r *Result) WriteSummary(w io.Writer) error {
	pass, fail, errs, skip := r.Counts()
	var b strings.Builder
	verdict := "passed"
	if r.Failed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "## evalclip CI gate: %s\n\n", verdict)
	fmt.Fprintf(&b, "Suite `%s` against baseline `%s`: %d passed, %d failed, %d errors, %d skipped.\n\n", r.Suite, r.BaselinePath, pass, fail, errs, skip)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> %s\n\n", n)
	}
	if fail+errs > 0 {
		b.WriteString("### Failures\n\n")
		for _, c := range r.Cases {
			if c.Status == Fail || c.Status == Error {
				fmt.Fprintf(&b, "- **%s** `%s`: %s\n", c.Status, c.ID, mdText(c.Message))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("| status | measurement | metric | baseline | now | limit |\n|---|---|---|---:|---:|---:|\n")
	for _, c := range r.Cases {
		if len(c.Checks) == 0 {
			fmt.Fprintf(&b, "| %s | `%s` | | | | %s |\n", c.Status, c.ID, mdText(c.Message))
			continue
		}
		for _, ch := range c.Checks {
			st := "pass"
			if ch.Regressed {
				st = "fail"
			}
			now, limit := "missing", "–"
			if !math.IsNaN(ch.Now) {
				now, limit = fmtValue(ch.Metric, ch.Now), fmtValue(ch.Metric, ch.Limit)
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", st, c.ID, ch.Metric, fmtValue(ch.Metric, ch.Baseline), now, limit)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdText(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// WriteAnnotations writes GitHub Actions workflow commands (::error) for
// each failure and error, so that they show on the run's page.
func (r *Result) WriteAnnotations(w io.Writer) error {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	for _, c := range r.Cases {
		if c.Status != Fail && c.Status != Error {
			continue
		}
		title := "evalclip regression"
		if c.Status == Error {
			title = "evalclip job failed"
		}
		if _, err := fmt.Fprintf(w, "::error title=%s::%s: %s\n", title, esc.Replace(c.ID), esc.Replace(c.Message)); err != nil {
			return err
		}
	}
	return nil
}
