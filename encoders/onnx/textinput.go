package onnx

import (
	"fmt"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/encoders/tokenizer"
)

// DefaultContextLength is the text context when neither the model, its
// config nor the suite fixes it (open_clip's default).
const DefaultContextLength = 77

// TextConfig reads the export's config (f.Config) as spec amends it: its
// clean, logit_scale and logit_bias keys win over the file's.
func TextConfig(spec encoders.Spec, f *Files) (*tokenizer.TextConfig, error) {
	cfg, err := tokenizer.ReadTextConfigFile(f.Config)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	if spec.Clean != "" {
		if cfg.Clean, err = tokenizer.ParseCleanMode(spec.Clean); err != nil {
			return nil, fmt.Errorf("model %s: %w", spec.Name, err)
		}
	}
	if spec.LogitScale != nil {
		cfg.LogitScale = spec.LogitScale
	}
	if spec.LogitBias != nil {
		cfg.LogitBias = spec.LogitBias
	}
	return cfg, nil
}

// textInput settles how texts become the tower's rows: the tokenizer, the
// config's cleaning and strip_sep_token, the context length (the tower's
// fixed input width, else the suite's, else the config's, else 77; any two
// that disagree are an error) and the pad id (the suite's; else, for CLIP's
// BPE, the layout's usual one; else the tokenizer files' pad token, else
// 0, as open_clip pads).
func textInput(spec encoders.Spec, f *Files, cfg *tokenizer.TextConfig, in onnxrt.TensorInfo) (*tokenizer.TextInput, error) {
	tok, err := tokenizer.Load(f.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	context := spec.ContextLength // the suite's wins over the config's
	if context == 0 {
		context = cfg.ContextLength
	}
	if c := int(in.Shape[1]); c > 0 {
		switch {
		case spec.ContextLength != 0 && spec.ContextLength != c:
			return nil, fmt.Errorf("model %s: context_length = %d but %s takes %d tokens", spec.Name, spec.ContextLength, f.Text, c)
		case spec.ContextLength == 0 && cfg.ContextLength != 0 && cfg.ContextLength != c:
			return nil, fmt.Errorf("model %s: %s says context_length %d but %s takes %d tokens", spec.Name, cfg.File, cfg.ContextLength, f.Text, c)
		}
		context = c
	}
	if context == 0 {
		context = DefaultContextLength
	}
	padID := f.DefaultPadID
	if tok.IsCLIP() {
		if padID == padEOT {
			padID = tok.EOT()
		}
	} else if id, ok := tok.PadID(); ok {
		padID = id
	} else {
		padID = 0
	}
	if spec.PadID != nil {
		padID = *spec.PadID
	}
	ti, err := tokenizer.NewTextInput(tok, cfg.Clean, context, padID, cfg.StripSep)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	return ti, nil
}

// TextInputFor detects spec's model and returns how its text tower is fed
// (tokenizer, cleaning, context, padding) from its files alone, without
// ONNX Runtime: what evalclip tokenize --model prints.
func TextInputFor(spec encoders.Spec) (*tokenizer.TextInput, *Files, error) {
	f, err := Detect(spec)
	if err != nil {
		return nil, nil, err
	}
	if f.Text == "" {
		return nil, nil, fmt.Errorf("model %s: no text tower", spec.Name)
	}
	ins, err := GraphInputs(f.Text)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	in, err := pickTextInput(spec, f, ins)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := TextConfig(spec, f)
	if err != nil {
		return nil, nil, err
	}
	ti, err := textInput(spec, f, cfg, in)
	return ti, f, err
}

// pickTextInput finds the text tower's token input: int32 or int64
// [batch, context].
func pickTextInput(spec encoders.Spec, f *Files, ins []onnxrt.TensorInfo) (onnxrt.TensorInfo, error) {
	in, err := pick("text input", f.Text, spec.TextInput, ins, textInputNames, func(t onnxrt.TensorInfo) bool { return isInt(t) && len(t.Shape) == 2 })
	if err != nil {
		return in, err
	}
	if !isInt(in) || len(in.Shape) != 2 {
		return in, fmt.Errorf("%s: text input %s is %s%v, want int32 or int64 [batch,context]", f.Text, in.Name, in.DType, in.Shape)
	}
	return in, nil
}

// scoringOf is the scoring a config (as the suite amends it) describes:
// a sigmoid with the learned scale and bias for SigLIP-family configs (its
// initial values, 10 and init_logit_bias, when the export does not record
// the learned ones), else a softmax at the recorded scale or 100.
func scoringOf(spec encoders.Spec, cfg *tokenizer.TextConfig) encoders.Scoring {
	sc := encoders.DefaultScoring
	src := cfg.File
	if spec.LogitScale != nil || spec.LogitBias != nil {
		src = "suite"
	}
	if cfg.Sigmoid() {
		sc = encoders.Scoring{Sigmoid: true, Scale: 10, Source: src}
		if cfg.LogitBias != nil {
			sc.Bias = *cfg.LogitBias
		} else {
			sc.Bias, sc.Source = *cfg.InitLogitBias, "init"
		}
		if cfg.LogitScale != nil {
			sc.Scale = *cfg.LogitScale
		} else {
			sc.Source = "init"
		}
		return sc
	}
	if cfg.LogitScale != nil {
		sc.Scale, sc.Source = *cfg.LogitScale, src
	}
	return sc
}
