package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestConfigIdentity: a model's open_clip name and pretrained tag from its
// config: tools/export's keys, or a transformers config's _name_or_path.
func TestConfigIdentity(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string][2]string{
		`{"open_clip_model": "ViT-B-32", "pretrained": "laion2b_s34b_b79k", "embed_dim": 512}`: {"ViT-B-32", "laion2b_s34b_b79k"},
		`{"_name_or_path": "openai/clip-vit-large-patch14-336", "model_type": "clip"}`:         {"ViT-L-14-336", "openai"},
		`{"_name_or_path": "laion/CLIP-ViT-H-14-laion2B-s32B-b79K", "model_type": "clip"}`:     {"ViT-H-14", "laion2b_s32b_b79k"},
		`{"_name_or_path": "/home/me/ckpt", "model_type": "clip"}`:                             {"", ""},
	} {
		p := filepath.Join(dir, "config.json")
		os.WriteFile(p, []byte(body), 0o644)
		c, err := ReadTextConfigFile(p)
		if err != nil || c.OpenCLIP != want[0] || c.Pretrained != want[1] {
			t.Errorf("%s: %q %q %v, want %q", body, c.OpenCLIP, c.Pretrained, err, want)
		}
	}
}
