package suites

import (
	"fmt"
	"strings"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// parseEnum checks that text is one of values and returns it.
func parseEnum(what string, text []byte, values []string) (string, error) {
	s := string(text)
	for _, v := range values {
		if s == v {
			return s, nil
		}
	}
	return "", fmt.Errorf("unknown %s %q (expected %s)", what, s, orList(values))
}

// orList formats values as `"a", "b" or "c"`.
func orList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	switch len(q) {
	case 0:
		return "nothing (none registered in this build)"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Provider selects the ONNX Runtime execution provider.
type Provider string

// Execution providers (the accepted values are onnxrt.Providers).
const (
	ProviderCPU      Provider = "cpu"
	ProviderCUDA     Provider = "cuda"
	ProviderTensorRT Provider = "tensorrt"
)

func providerNames() []string {
	var out []string
	for _, p := range onnxrt.Providers {
		out = append(out, p.Name)
	}
	return out
}

// UnmarshalText accepts the execution providers evalclip knows (cpu, cuda,
// tensorrt).
func (p *Provider) UnmarshalText(text []byte) error {
	v, err := parseEnum("provider", text, providerNames())
	*p = Provider(v)
	return err
}

// DatasetFormat names an on-disk dataset layout: one of the readers
// registered with package datasets.
type DatasetFormat string

// UnmarshalText accepts the formats of the registered dataset readers,
// labelled and caption ones.
func (f *DatasetFormat) UnmarshalText(text []byte) error {
	v, err := parseEnum("dataset format", text, datasets.AllFormats())
	*f = DatasetFormat(v)
	return err
}

// Backend names the encoder implementation of a model: one of the backends
// registered with package encoders.
type Backend string

// Backends whose files the suite checks itself. The fake backend produces
// deterministic embeddings without any model file; it exists for tests and
// dry runs.
const (
	BackendONNX Backend = "onnx"
	BackendFake Backend = "fake"
)

// UnmarshalText accepts the registered encoder backends.
func (b *Backend) UnmarshalText(text []byte) error {
	v, err := parseEnum("backend", text, encoders.Backends())
	*b = Backend(v)
	return err
}

// ReportFormat names a rendered output.
type ReportFormat string

// Report formats: Markdown, CSV, JSON, LaTeX tables, Go benchmark format
// (for benchstat), and an HTML index.
const (
	ReportMarkdown ReportFormat = "md"
	ReportCSV      ReportFormat = "csv"
	ReportJSON     ReportFormat = "json"
	ReportTeX      ReportFormat = "tex"
	ReportBench    ReportFormat = "bench"
	ReportHTML     ReportFormat = "html"
)

var reportFormats = []string{string(ReportMarkdown), string(ReportCSV), string(ReportJSON),
	string(ReportTeX), string(ReportBench), string(ReportHTML)}

// UnmarshalText accepts the report formats listed above.
func (f *ReportFormat) UnmarshalText(text []byte) error {
	v, err := parseEnum("report format", text, reportFormats)
	*f = ReportFormat(v)
	return err
}

// PlotFormat names an image format for plots.
type PlotFormat string

// Plot formats.
const (
	PlotPNG PlotFormat = "png"
	PlotSVG PlotFormat = "svg"
	PlotPDF PlotFormat = "pdf"
)

var plotFormats = []string{string(PlotPNG), string(PlotSVG), string(PlotPDF)}

// UnmarshalText accepts png, svg or pdf.
func (f *PlotFormat) UnmarshalText(text []byte) error {
	v, err := parseEnum("plot format", text, plotFormats)
	*f = PlotFormat(v)
	return err
}
