package suites

import (
	"fmt"
	"strings"
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
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Provider selects the ONNX Runtime execution provider.
type Provider string

// Execution providers.
const (
	ProviderCPU      Provider = "cpu"
	ProviderCUDA     Provider = "cuda"
	ProviderTensorRT Provider = "tensorrt"
)

var providers = []string{string(ProviderCPU), string(ProviderCUDA), string(ProviderTensorRT)}

// UnmarshalText accepts cpu, cuda or tensorrt.
func (p *Provider) UnmarshalText(text []byte) error {
	v, err := parseEnum("provider", text, providers)
	*p = Provider(v)
	return err
}

// TaskType names a kind of evaluation.
type TaskType string

// Task types.
const (
	TaskZeroShot    TaskType = "zeroshot"
	TaskLinearProbe TaskType = "linear_probe"
	TaskKernels     TaskType = "kernels"
)

var taskTypes = []string{string(TaskZeroShot), string(TaskLinearProbe), string(TaskKernels)}

// UnmarshalText accepts zeroshot, linear_probe or kernels.
func (t *TaskType) UnmarshalText(text []byte) error {
	v, err := parseEnum("task type", text, taskTypes)
	*t = TaskType(v)
	return err
}

// NeedsModels reports whether jobs of this type run a model on a dataset.
func (t TaskType) NeedsModels() bool { return t == TaskZeroShot || t == TaskLinearProbe }

// DatasetFormat names an on-disk dataset layout.
type DatasetFormat string

// Dataset formats.
const (
	FormatImageNet    DatasetFormat = "imagenet"
	FormatPets        DatasetFormat = "pets"
	FormatMNIST       DatasetFormat = "mnist"
	FormatSVHN        DatasetFormat = "svhn"
	FormatImageFolder DatasetFormat = "imagefolder"
	FormatCSV         DatasetFormat = "csv"
	FormatWDS         DatasetFormat = "wds"
)

var datasetFormats = []string{string(FormatImageNet), string(FormatPets), string(FormatMNIST),
	string(FormatSVHN), string(FormatImageFolder), string(FormatCSV), string(FormatWDS)}

// UnmarshalText accepts the dataset formats listed above.
func (f *DatasetFormat) UnmarshalText(text []byte) error {
	v, err := parseEnum("dataset format", text, datasetFormats)
	*f = DatasetFormat(v)
	return err
}

// Backend names the encoder implementation of a model.
type Backend string

// Encoder backends. The fake backend produces deterministic embeddings
// without any model file; it exists for tests and dry runs.
const (
	BackendONNX Backend = "onnx"
	BackendFake Backend = "fake"
)

var backends = []string{string(BackendONNX), string(BackendFake)}

// UnmarshalText accepts onnx or fake.
func (b *Backend) UnmarshalText(text []byte) error {
	v, err := parseEnum("backend", text, backends)
	*b = Backend(v)
	return err
}

// Interpolation is the resampling filter of the image resize.
type Interpolation string

// Resampling filters.
const (
	InterpBicubic  Interpolation = "bicubic"
	InterpBilinear Interpolation = "bilinear"
)

var interpolations = []string{string(InterpBicubic), string(InterpBilinear)}

// UnmarshalText accepts bicubic or bilinear.
func (i *Interpolation) UnmarshalText(text []byte) error {
	v, err := parseEnum("interpolation", text, interpolations)
	*i = Interpolation(v)
	return err
}

// ResizeMode says how an image is brought to the model's input size.
type ResizeMode string

// Resize modes: shortest resizes the shorter side then center-crops (CLIP);
// squash resizes both sides to the input size, ignoring aspect ratio.
const (
	ResizeShortest ResizeMode = "shortest"
	ResizeSquash   ResizeMode = "squash"
)

var resizeModes = []string{string(ResizeShortest), string(ResizeSquash)}

// UnmarshalText accepts shortest or squash.
func (r *ResizeMode) UnmarshalText(text []byte) error {
	v, err := parseEnum("resize mode", text, resizeModes)
	*r = ResizeMode(v)
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
)

var plotFormats = []string{string(PlotPNG), string(PlotSVG)}

// UnmarshalText accepts png or svg.
func (f *PlotFormat) UnmarshalText(text []byte) error {
	v, err := parseEnum("plot format", text, plotFormats)
	*f = PlotFormat(v)
	return err
}
