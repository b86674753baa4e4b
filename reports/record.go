package reports

import (
	"encoding/json"
	"math"
	"sort"
	"time"
)

// Task kinds as they appear in the "task" field of a record.
const (
	TaskZeroShot    = "zeroshot"
	TaskLinearProbe = "linear_probe"
	TaskKernel      = "kernel"
)

// Metric names shared by every task that measures classification accuracy.
// Accuracies are fractions in [0,1].
const (
	MetricAcc1               = "acc1"
	MetricAcc5               = "acc5"
	MetricMeanPerClassRecall = "mean_per_class_recall"
)

// Zero-shot calibration metrics: probabilities under the model's own
// scoring (CLIP's softmax over the classes, SigLIP's sigmoid with its
// logit bias; the record's "scoring" param says which).
const (
	// MetricMeanTop1Prob is the mean probability of the predicted class.
	MetricMeanTop1Prob = "mean_top1_prob"
	// MetricECE is the expected calibration error of the top-1
	// probability over 15 equal-width bins.
	MetricECE = "ece"
)

// Kernel-record metric names (task "kernel"): timings of one implementation
// at one shape and dtype.
const (
	MetricMsMedian   = "ms_median"   // median wall time per call, milliseconds
	MetricMsMin      = "ms_min"      // fastest call, milliseconds
	MetricGFLOPS     = "gflops"      // 2*N*C*D / median time
	MetricGBPS       = "gbps"        // bytes moved (inputs + outputs) / median time
	MetricPeakGFLOPS = "peak_gflops" // measured GEMM ceiling of the device in the same run
	MetricPeakGBPS   = "peak_gbps"   // measured copy-bandwidth ceiling in the same run
	MetricFracPeak   = "frac_peak"   // gflops / peak_gflops
	MetricMaxAbsErr  = "max_abs_err" // against the float64 reference
)

// Kernel-record params keys.
const (
	ParamImpl   = "impl"   // implementation name
	ParamDType  = "dtype"  // fp32, tf32, fp16, bf16
	ParamShape  = "shape"  // "NxCxD"
	ParamTopK   = "k"      // top-k
	ParamDevice = "device" // "cpu" or the GPU's name
)

// ParamPromptsLabel names the prompt set of a zero-shot task that brings
// its own (a CuPL file beside the datasets' templates, say): it is the
// record key's "prompts" dimension, so one report holds both.
const ParamPromptsLabel = "prompts_label"

// Params the runner stamps on records whose comparability with published
// numbers they decide: the backend when it is not ONNX Runtime ("fake")
// and the dataset's sample limit when one is set.
const (
	ParamBackend = "backend"
	ParamLimit   = "limit"
)

// Linear-probe params keys.
const (
	ParamC         = "C"         // chosen inverse regularisation strength
	ParamNormalize = "normalize" // features L2-normalised
	// ParamSupervised marks a linear-probe record whose features come from a
	// supervised backbone (any ONNX image model used as a feature
	// extractor) rather than a CLIP image tower (bool). Reports draw such
	// records as baselines, not as evaluated models.
	ParamSupervised = "supervised"
)

// Batching params of records that ran an image tower (ints).
const (
	// ParamBatchSize is the number of images decoded and handed to the
	// image encoder per call (the suite's runtime.batch_size).
	ParamBatchSize = "batch_size"
	// ParamTowerBatch is the number of images per image-tower request
	// actually sent: 1 for static batch-1 exports, which run
	// ParamTowerConcurrency requests at once.
	ParamTowerBatch       = "tower_batch"
	ParamTowerConcurrency = "tower_concurrency"
)

// Extra keys for classification records (zero-shot and linear probe).
const (
	// ExtraClasses is the class names in label order ([]string).
	ExtraClasses = "classes"
	// ExtraPerClassAcc is the top-1 recall of each class ([]float64).
	ExtraPerClassAcc = "per_class_acc"
	// ExtraConfusion is the confusion matrix, rows = true label, columns =
	// predicted label ([][]int), written for at most MaxDenseConfusion
	// classes.
	ExtraConfusion = "confusion"
	// ExtraConfusionSparse is the confusion matrix of a record with more
	// than MaxDenseConfusion classes, written instead of ExtraConfusion: a
	// list of [true, predicted, count] triples ([][3]int), nonzero counts
	// only, sorted by true label then predicted label, each pair once.
	ExtraConfusionSparse = "confusion_sparse"
	// ExtraCorrect is the per-sample top-1 correctness in evaluation order as
	// a string of '0' and '1' (compact, and enough for bootstrap intervals).
	ExtraCorrect = "correct"
	// ExtraSkipped counts samples that could not be read and were left out.
	ExtraSkipped = "skipped"
)

// MaxDenseConfusion is the largest class count whose confusion matrix is
// stored dense (ExtraConfusion); above it a dense matrix grows as the square
// of the class count (21,841 ImageNet-21k classes: 477M counts), so the
// sparse ExtraConfusionSparse is stored instead.
const MaxDenseConfusion = 1000

// ParamThroughputCached marks a record whose image features came from the
// feature cache (bool): its throughput is the one measured by the run that
// computed them, kept for reference, and the CI gate treats it as not
// measured.
const ParamThroughputCached = "throughput_cached"

// ThroughputCached reports whether r's throughput is a cached run's.
func (r *Record) ThroughputCached() bool {
	b, _ := r.Params[ParamThroughputCached].(bool)
	return b
}

// Throughput names.
const (
	ThroughputImagesPerS      = "images_per_s"       // whole task, images per second
	ThroughputTowerImagesPerS = "tower_images_per_s" // image tower alone
	// Stage utilisation of the image pipeline, seconds: the decode
	// workers' busy time (summed over workers), the image tower's time,
	// and the time the tower waited for decoded batches (0: decode keeps
	// up; the tower bounds the run).
	ThroughputDecodeS    = "decode_s"
	ThroughputEncodeS    = "encode_s"
	ThroughputTowerWaitS = "tower_wait_s"
	// ThroughputScoreS is the zero-shot scoring's time (similarity, top-k,
	// calibration), seconds.
	ThroughputScoreS = "score_s"
)

// Record is one measurement: one model on one dataset split for one task
// configuration (shots k and seed for few-shot work), or one kernel timing.
type Record struct {
	Task    string `json:"task"`
	Model   string `json:"model,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	Split   string `json:"split,omitempty"`
	// K is the number of shots per class; 0 means all the training data (or
	// not applicable, as for zero-shot).
	K    int `json:"k"`
	Seed int `json:"seed"`
	// Metrics holds accuracies (fractions) and any other scalar results.
	Metrics Metrics `json:"metrics"`
	// NSamples is the number of evaluated samples (test images, kernel rows).
	NSamples int `json:"n_samples"`
	// DurationS is the wall time of the measurement in seconds.
	DurationS float64 `json:"duration_s"`
	// Throughput holds rates such as images_per_s.
	Throughput Metrics `json:"throughput,omitempty"`
	// Params records the settings that produced the result (chosen C,
	// kernel implementation, dtype, shape ...).
	Params map[string]any `json:"params,omitempty"`
	// Extra holds bulky per-measurement data: per-class accuracy, confusion
	// matrices, per-sample correctness.
	Extra map[string]any `json:"extra,omitempty"`
	// Error is set when the measurement failed; Metrics is then empty.
	Error string `json:"error,omitempty"`
	// Job is the ID of the suite job that produced the record (as printed
	// by `evalclip run --dry-run`); merge uses it to restore plan order and
	// to find missing or duplicated shards.
	Job string `json:"job,omitempty"`
	// Run identifies the run that produced the record.
	Run RunInfo `json:"run"`
}

// RunInfo is the metadata of one `evalclip run`, repeated in each record so
// that records stay self-describing when files are merged.
type RunInfo struct {
	Version    string    `json:"evalclip_version"`
	Suite      string    `json:"suite"`
	ConfigHash string    `json:"config_hash"`
	StartedAt  time.Time `json:"started_at"`
	Host       string    `json:"host"`
	Provider   string    `json:"provider"`
	GoVersion  string    `json:"go_version,omitempty"`
	Shard      string    `json:"shard,omitempty"`
	// ModelSource and DatasetSource say which Hub repository and commit
	// the record's model and dataset came from, when the suite named them
	// with hub (per record, since one run may pull several).
	ModelSource   *Source `json:"model_source,omitempty"`
	DatasetSource *Source `json:"dataset_source,omitempty"`
	// OpenCLIP and Pretrained are the open_clip model name and pretrained
	// tag of the record's model when known (from its Hub source, or a
	// CLIP_benchmark file's "model" and "pretrained").
	OpenCLIP   string `json:"open_clip,omitempty"`
	Pretrained string `json:"pretrained,omitempty"`
	// Language is the CLIP_benchmark code of the prompts' language
	// ("en", "it", ...) for tasks that use prompts.
	Language string `json:"language,omitempty"`
	// Imported names the tool whose result file the record was read from
	// ("clip_benchmark"); empty for evalclip's own records.
	Imported string `json:"imported_from,omitempty"`
	// ONNXRuntime is the ONNX Runtime release that ran the towers, when
	// one did; Device is "cpu" or the GPU ordinal ("cuda:0"); Decoder the
	// JPEG decoder of this build; Threads the intra-op threads per session
	// (the suite's runtime.threads, 0 resolved to the core count) and
	// Workers the decode workers.
	ONNXRuntime string `json:"onnxruntime,omitempty"`
	Device      string `json:"device,omitempty"`
	Decoder     string `json:"jpeg_decoder,omitempty"`
	Threads     int    `json:"threads,omitempty"`
	Workers     int    `json:"workers,omitempty"`
}

// Source is a Hugging Face Hub repository at one commit.
type Source struct {
	// Hub is the repository id ("immich-app/ViT-B-32__openai").
	Hub string `json:"hub"`
	// Revision is what the suite asked for (a branch, tag or commit).
	Revision string `json:"revision"`
	// Commit is the commit the revision resolved to when the files were
	// pulled.
	Commit string `json:"commit"`
	// OpenCLIP and Pretrained are the open_clip model name and pretrained
	// tag the repository exports, when known ("ViT-B-32", "openai").
	OpenCLIP   string `json:"open_clip,omitempty"`
	Pretrained string `json:"pretrained,omitempty"`
}

// Metrics maps metric names to values. NaN and ±Inf marshal as null and
// null unmarshals as NaN.
type Metrics map[string]float64

// MarshalJSON writes the metrics with sorted keys, non-finite values as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		buf = append(buf, kb...)
		buf = append(buf, ':')
		v := m[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			buf = append(buf, "null"...)
			continue
		}
		vb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf = append(buf, vb...)
	}
	return append(buf, '}'), nil
}

// UnmarshalJSON reads an object of numbers; null becomes NaN.
func (m *Metrics) UnmarshalJSON(data []byte) error {
	var raw map[string]*float64
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := make(Metrics, len(raw))
	for k, v := range raw {
		if v == nil {
			out[k] = math.NaN()
		} else {
			out[k] = *v
		}
	}
	*m = out
	return nil
}
