package hub

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hub's address when HF_ENDPOINT is not set.
const DefaultEndpoint = "https://huggingface.co"

// Environment variables read by [ConfigFromEnv], as huggingface_hub reads
// them.
const (
	EnvEndpoint        = "HF_ENDPOINT"
	EnvHome            = "HF_HOME"
	EnvHubCache        = "HF_HUB_CACHE"
	EnvLegacyHubCache  = "HUGGINGFACE_HUB_CACHE"
	EnvToken           = "HF_TOKEN"
	EnvLegacyToken     = "HUGGING_FACE_HUB_TOKEN"
	EnvTokenPath       = "HF_TOKEN_PATH"
	EnvOffline         = "HF_HUB_OFFLINE"
	EnvLegacyOffline   = "TRANSFORMERS_OFFLINE"
	EnvEtagTimeout     = "HF_HUB_ETAG_TIMEOUT"
	EnvDownloadTimeout = "HF_HUB_DOWNLOAD_TIMEOUT"
)

// Config is where the client talks to and where it keeps files.
type Config struct {
	// Endpoint is the Hub's base URL, without a trailing slash.
	Endpoint string
	// CacheDir is the hub cache root (~/.cache/huggingface/hub).
	CacheDir string
	// Token is sent as "Authorization: Bearer <token>" to the endpoint
	// (never to the CDN a large file is redirected to).
	Token string
	// TokenSource says where Token came from ("HF_TOKEN", a file), for
	// messages; empty when there is no token.
	TokenSource string
	// Offline forbids every request: files come from the cache or not at
	// all.
	Offline bool
	// MetadataTimeout bounds an API or HEAD request (HF_HUB_ETAG_TIMEOUT,
	// default 10 s).
	MetadataTimeout time.Duration
	// DownloadTimeout is how long a download may wait for the response or
	// for more bytes before the attempt counts as dropped
	// (HF_HUB_DOWNLOAD_TIMEOUT, default 10 s).
	DownloadTimeout time.Duration
}

// isTrue is huggingface_hub's reading of a boolean variable.
func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// expandUser expands a leading ~ and $VAR / ${VAR} as Python's
// os.path.expanduser and os.path.expandvars do (an unset variable is left
// as written).
func expandUser(p string, getenv func(string) string) string {
	p = os.Expand(p, func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return "${" + k + "}"
	})
	if p == "~" || strings.HasPrefix(p, "~/") {
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		p = filepath.Join(home, strings.TrimPrefix(p, "~"))
	}
	return p
}

// ConfigFromEnv reads the configuration from the environment (getenv is
// os.Getenv outside tests). A malformed value is an error naming the
// variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Endpoint: DefaultEndpoint, MetadataTimeout: 10 * time.Second, DownloadTimeout: 10 * time.Second}
	if v := strings.TrimRight(strings.TrimSpace(getenv(EnvEndpoint)), "/"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("%s=%q: want an http(s) URL such as %s", EnvEndpoint, v, DefaultEndpoint)
		}
		c.Endpoint = v
	}
	home := getenv(EnvHome)
	if home == "" {
		xdg := getenv("XDG_CACHE_HOME")
		if xdg == "" {
			xdg = filepath.Join("~", ".cache")
		}
		home = filepath.Join(xdg, "huggingface")
	}
	home = expandUser(home, getenv)
	c.CacheDir = filepath.Join(home, "hub")
	if v := getenv(EnvLegacyHubCache); v != "" {
		c.CacheDir = expandUser(v, getenv)
	}
	if v := getenv(EnvHubCache); v != "" {
		c.CacheDir = expandUser(v, getenv)
	}
	for _, k := range []string{EnvToken, EnvLegacyToken} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			c.Token, c.TokenSource = v, k
			break
		}
	}
	if c.Token == "" {
		path := filepath.Join(home, "token")
		if v := getenv(EnvTokenPath); v != "" {
			path = expandUser(v, getenv)
		}
		if data, err := os.ReadFile(path); err == nil {
			if v := strings.TrimSpace(string(data)); v != "" {
				c.Token, c.TokenSource = v, path
			}
		}
	}
	c.Offline = isTrue(getenv(EnvOffline)) || isTrue(getenv(EnvLegacyOffline))
	for _, t := range []struct {
		key string
		d   *time.Duration
	}{{EnvEtagTimeout, &c.MetadataTimeout}, {EnvDownloadTimeout, &c.DownloadTimeout}} {
		v := strings.TrimSpace(getenv(t.key))
		if v == "" {
			continue
		}
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || !(secs > 0) || secs > 86400 {
			return c, fmt.Errorf("%s=%q: want a number of seconds (0 < s <= 86400)", t.key, v)
		}
		*t.d = time.Duration(secs * float64(time.Second))
	}
	return c, nil
}
