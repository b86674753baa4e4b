package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestConfigFromEnv: the variables are read as huggingface_hub reads them.
func TestConfigFromEnv(t *testing.T) {
	home := t.TempDir()
	c, err := ConfigFromEnv(envOf(map[string]string{"HOME": home}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != DefaultEndpoint || c.CacheDir != filepath.Join(home, ".cache", "huggingface", "hub") || c.Token != "" || c.Offline ||
		c.MetadataTimeout != 10*time.Second || c.DownloadTimeout != 10*time.Second {
		t.Errorf("defaults: %+v", c)
	}
	c, _ = ConfigFromEnv(envOf(map[string]string{"HOME": home, "XDG_CACHE_HOME": "/xdg"}))
	if c.CacheDir != "/xdg/huggingface/hub" {
		t.Errorf("XDG_CACHE_HOME: %s", c.CacheDir)
	}
	c, _ = ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HOME": "~/hf", "HF_ENDPOINT": "http://mirror.local:8080/"}))
	if c.CacheDir != filepath.Join(home, "hf", "hub") || c.Endpoint != "http://mirror.local:8080" {
		t.Errorf("HF_HOME, HF_ENDPOINT: %+v", c)
	}
	c, _ = ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/legacy"}))
	if c.CacheDir != "/legacy" {
		t.Errorf("HUGGINGFACE_HUB_CACHE: %s", c.CacheDir)
	}
	c, _ = ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HOME": "/h", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "$HOME/c"}))
	if c.CacheDir != home+"/c" {
		t.Errorf("HF_HUB_CACHE over HF_HOME and the legacy name: %s", c.CacheDir)
	}
	// Tokens: HF_TOKEN, the legacy variable, then the token file.
	hfHome := t.TempDir()
	os.WriteFile(filepath.Join(hfHome, "token"), []byte("hf_file\n"), 0o600)
	for _, tc := range []struct {
		env        map[string]string
		tok, where string
	}{
		{map[string]string{"HF_HOME": hfHome}, "hf_file", filepath.Join(hfHome, "token")},
		{map[string]string{"HF_HOME": hfHome, "HUGGING_FACE_HUB_TOKEN": "hf_legacy"}, "hf_legacy", "HUGGING_FACE_HUB_TOKEN"},
		{map[string]string{"HF_HOME": hfHome, "HUGGING_FACE_HUB_TOKEN": "hf_legacy", "HF_TOKEN": " hf_env "}, "hf_env", "HF_TOKEN"},
		{map[string]string{"HF_HOME": t.TempDir()}, "", ""},
	} {
		c, _ := ConfigFromEnv(envOf(tc.env))
		if c.Token != tc.tok || c.TokenSource != tc.where {
			t.Errorf("%v: token %q from %q, want %q from %q", tc.env, c.Token, c.TokenSource, tc.tok, tc.where)
		}
	}
	for _, v := range []string{"1", "ON", "yes", "True"} {
		if c, _ := ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HUB_OFFLINE": v})); !c.Offline {
			t.Errorf("HF_HUB_OFFLINE=%s: online", v)
		}
	}
	for _, v := range []string{"", "0", "false", "off"} {
		if c, _ := ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HUB_OFFLINE": v})); c.Offline {
			t.Errorf("HF_HUB_OFFLINE=%q: offline", v)
		}
	}
	if c, _ := ConfigFromEnv(envOf(map[string]string{"HOME": home, "TRANSFORMERS_OFFLINE": "1"})); !c.Offline {
		t.Error("TRANSFORMERS_OFFLINE=1: online")
	}
	c, _ = ConfigFromEnv(envOf(map[string]string{"HOME": home, "HF_HUB_ETAG_TIMEOUT": "2.5", "HF_HUB_DOWNLOAD_TIMEOUT": "60"}))
	if c.MetadataTimeout != 2500*time.Millisecond || c.DownloadTimeout != time.Minute {
		t.Errorf("timeouts: %+v", c)
	}
	for _, bad := range []map[string]string{{"HF_ENDPOINT": "huggingface.co"}, {"HF_ENDPOINT": "ftp://x"},
		{"HF_HUB_ETAG_TIMEOUT": "soon"}, {"HF_HUB_DOWNLOAD_TIMEOUT": "-1"}} {
		if _, err := ConfigFromEnv(envOf(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		} else {
			for k := range bad {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("%v: error %q does not name %s", bad, err, k)
				}
			}
		}
	}
}

func TestParseRepo(t *testing.T) {
	for _, ok := range []string{"immich-app/ViT-B-32__openai", "clip-benchmark/wds_vtab-pets", "gpt2", "a.b/c_d-e"} {
		r, err := ParseRepo(Model, ok)
		if err != nil {
			t.Errorf("%s: %v", ok, err)
		}
		if strings.Contains(r.FolderName(), "/") || !strings.HasPrefix(r.FolderName(), "models--") {
			t.Errorf("%s: folder %s", ok, r.FolderName())
		}
	}
	if r, _ := ParseRepo(Dataset, "clip-benchmark/wds_mnist"); r.FolderName() != "datasets--clip-benchmark--wds_mnist" || r.String() != "datasets/clip-benchmark/wds_mnist" {
		t.Errorf("dataset: %s %s", r.FolderName(), r)
	}
	for _, bad := range []string{"", "a/b/c", "org/--x", "org/x..y", "-org/x", "org/x.", "org/x.git", "org/a b", "org/" + strings.Repeat("x", 97)} {
		if _, err := ParseRepo(Model, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseRepo("space", "a/b"); err == nil {
		t.Error("space type accepted")
	}
	for _, bad := range []string{"", "../x", "a//b", "a/./b", "x\\y"} {
		if ValidRevision(bad) {
			t.Errorf("revision %q accepted", bad)
		}
	}
	for _, ok := range []string{"main", "v1.0", "refs/pr/1", "0123456789abcdef0123456789abcdef01234567"} {
		if !ValidRevision(ok) {
			t.Errorf("revision %q refused", ok)
		}
	}
}
