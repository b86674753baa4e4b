package suites

import (
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/reports"
)

// Suite is one evaluation suite as written in TOML.
type Suite struct {
	// Name labels the suite; results go to reports/out/<name>/<timestamp>/
	// unless --out says otherwise.
	Name        string    `toml:"name"`
	Description string    `toml:"description"`
	Runtime     Runtime   `toml:"runtime"`
	Models      []Model   `toml:"models"`
	Datasets    []Dataset `toml:"datasets"`
	// Tasks are decoded in two steps: the common keys, then the kind's
	// own keys into Task.Config (see Parse).
	Tasks  []Task `toml:"-"`
	Report Report `toml:"report"`
	CI     CI     `toml:"ci"`

	// Path is the suite file as given to Load.
	Path string `toml:"-" json:"-"`
	// Dir is the folder relative paths resolve against.
	Dir string `toml:"-" json:"-"`
	// Hash identifies the values the file holds (not its comments, key
	// order or layout): the first 16 hex digits of a SHA-256.
	Hash string `toml:"-" json:"-"`

	keys *keyIndex
	// schemaOnly skips file checks (OpenSchema).
	schemaOnly bool
}

// Runtime holds the execution settings shared by every task.
type Runtime struct {
	// Provider is the ONNX Runtime execution provider (default cpu).
	Provider Provider `toml:"provider"`
	// Threads is the intra-op thread count; 0 uses all cores.
	Threads int `toml:"threads"`
	// BatchSize is the number of images per encoder call (0 = default 64).
	BatchSize int `toml:"batch_size"`
	// Workers is the number of image decoding goroutines; 0 uses all cores.
	Workers int `toml:"workers"`
	// Device is the GPU ordinal for cuda and tensorrt.
	Device int `toml:"device"`
	// ONNXRuntime is the path of libonnxruntime.so; empty means the default
	// lookup (EVALCLIP_ORT_LIB, the project cache, the system).
	ONNXRuntime string `toml:"onnxruntime"`
	// CacheDir holds cached image features; empty means the user cache
	// folder (~/.cache/evalclip/features on Linux).
	CacheDir string `toml:"cache_dir"`
}

// Model is one image-text encoder pair.
type Model struct {
	// Name is how tasks and reports refer to the model.
	Name string `toml:"name"`
	// Backend is onnx (default) or fake.
	Backend Backend `toml:"backend"`
	// OpenCLIP and Pretrained name the model as open_clip does ("ViT-B-32",
	// "openai"): its identity, which published numbers are matched on. A
	// model pulled from an immich Hub repository has them from the
	// repository's name; the suite's win.
	OpenCLIP   string `toml:"open_clip"`
	Pretrained string `toml:"pretrained"`
	// Path is a folder whose layout is detected (open_clip/immich split,
	// Hugging Face split, combined model.onnx) or a single .onnx file.
	Path string `toml:"path"`
	// Hub names a Hugging Face Hub model repository ("immich-app/ViT-B-32__openai")
	// to pull into the Hugging Face cache instead of Path; Revision is its
	// branch, tag or commit (default main).
	Hub      string `toml:"hub"`
	Revision string `toml:"revision"`
	// Source is where a hub model came from once pulled (nil otherwise).
	Source *reports.Source `toml:"-" json:"-"`

	// Optional overrides of what is detected from the model folder.
	Vision        string                  `toml:"vision"`    // image tower .onnx
	Text          string                  `toml:"text"`      // text tower .onnx
	Tokenizer     string                  `toml:"tokenizer"` // bpe .txt.gz, folder with vocab.json+merges.txt, or tokenizer.json
	ImageSize     int                     `toml:"image_size"`
	Mean          []float64               `toml:"mean"`
	Std           []float64               `toml:"std"`
	Interpolation imageproc.Interpolation `toml:"interpolation"`
	Resize        imageproc.ResizeMode    `toml:"resize"`
	ContextLength int                     `toml:"context_length"`
	PadID         *int                    `toml:"pad_id"`
	// Clean is open_clip's text cleaning (whitespace, lower,
	// canonicalize), overriding text_cfg.tokenizer_kwargs.clean of the
	// export's config.
	Clean string `toml:"clean"`
	// LogitScale and LogitBias are the model's learned scoring
	// parameters (exp(logit_scale) and logit_bias), overriding what the
	// export's config records; a bias means sigmoid scoring (SigLIP).
	LogitScale  *float64 `toml:"logit_scale"`
	LogitBias   *float64 `toml:"logit_bias"`
	ImageInput  string   `toml:"image_input"`
	ImageOutput string   `toml:"image_output"`
	TextInput   string   `toml:"text_input"`
	TextOutput  string   `toml:"text_output"`
	// EmbedDim sets the fake backend's embedding width (default 64).
	EmbedDim int `toml:"embed_dim"`
	// ResizeSize resizes the shorter side to this many pixels before the
	// ImageSize center crop (e.g. 256 then 224 for torchvision ImageNet
	// classifiers); 0 means ImageSize, as CLIP does.
	ResizeSize int `toml:"resize_size"`
	// Supervised marks an image-only feature extractor trained with labels
	// (a ResNet-50 ImageNet classifier, say): it has no text tower, only
	// linear_probe tasks use it, and its results are the supervised
	// baselines in reports.
	Supervised bool `toml:"supervised"`
}

// Dataset is one labelled image collection.
type Dataset struct {
	// Name is how tasks and reports refer to the dataset.
	Name string `toml:"name"`
	// Format is the on-disk layout.
	Format DatasetFormat `toml:"format"`
	// Path is the dataset's root folder or file.
	Path string `toml:"path"`
	// Hub names a Hugging Face Hub dataset repository in CLIP_benchmark's
	// webdataset layout ("clip-benchmark/wds_vtab-pets", format wds) to
	// pull instead of Path; Revision is its branch, tag or commit.
	Hub      string `toml:"hub"`
	Revision string `toml:"revision"`
	// Source is where a hub dataset came from once pulled (nil otherwise).
	Source *reports.Source `toml:"-" json:"-"`
	// Split is the evaluated split (default "test").
	Split string `toml:"split"`
	// TrainSplit feeds the linear probe (default "train").
	TrainSplit string `toml:"train_split"`
	// ValSplit is the probe's validation split; empty means a stratified
	// split carved from TrainSplit.
	ValSplit string `toml:"val_split"`
	// Prompts names a built-in set of class names and templates.
	Prompts string `toml:"prompts"`
	// Classnames is a file with one class name per line, in label order.
	Classnames string `toml:"classnames"`
	// Templates is a file with one template per line; {c} or {} marks the
	// class name.
	Templates string `toml:"templates"`
	// Language picks the class names and templates in that language, as
	// CLIP_benchmark's --language does (ar, cn, it, jp; zh and ja are
	// aliases) and Babel-ImageNet's ImageNet-1k class names in its 93
	// languages; "" is English.
	Language string `toml:"language"`
	// Limit evaluates only the first Limit samples (0 = all; for a caption
	// dataset, the first Limit images and their captions).
	Limit int `toml:"limit"`
	// Captions marks an image-caption dataset, for retrieval tasks: csv
	// and wds datasets hold captions only when it is set; karpathy always
	// does.
	Captions bool `toml:"captions"`
	// Annotations (karpathy) is the Karpathy-split JSON; empty means the
	// one dataset_*.json under path.
	Annotations string `toml:"annotations"`
	// Images (karpathy) is the folder image paths are relative to; empty
	// means path.
	Images string `toml:"images"`
}

// Task is one [[tasks]] table: the keys every task has, and the options of
// its kind (decoded by the kind, see [Kind]).
type Task struct {
	Type TaskType `toml:"type"`
	// Name optionally labels the task in progress output and reports.
	Name string `toml:"name"`
	// Models and Datasets restrict the task; empty means all.
	Models   []string `toml:"models"`
	Datasets []string `toml:"datasets"`
	// Config holds the kind's own keys; nil only when Type names no
	// registered kind.
	Config TaskConfig `toml:"-"`
}

// Report selects rendered outputs.
type Report struct {
	Formats []ReportFormat `toml:"formats"`
	Plots   []PlotFormat   `toml:"plots"`
}

// CI configures the regression gate of `evalclip run --ci`.
type CI struct {
	// Baseline is what a --ci run is gated against: an earlier results.json
	// (or its run folder), a CLIP_benchmark result file, or a folder of them.
	Baseline string `toml:"baseline"`
	// Tolerance is the largest allowed drop per metric (fractions).
	Tolerance map[string]float64 `toml:"tolerance"`
}

// Label returns the task's name, or its type when unnamed.
func (t *Task) Label() string {
	if t.Name != "" {
		return t.Name
	}
	return string(t.Type)
}

// SchemaOnly reports whether the suite was opened without file checks
// (OpenSchema): task kinds skip theirs too.
func (s *Suite) SchemaOnly() bool { return s.schemaOnly }
