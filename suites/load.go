package suites

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/internal/limits"
)

// Open loads a suite file and validates it: the usual entry point.
//
// Every problem is reported at once: type errors and unknown keys found
// while decoding, then the checks of Validate on what did decode.
func Open(path string) (*Suite, error) {
	s, err := Load(path)
	if s == nil {
		return nil, err
	}
	if err := mergeProblems(err, s.Validate()); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenBytes is Open for suite TOML held in memory (evalclip eval's); path
// names it in errors and anchors relative paths.
func OpenBytes(path string, data []byte) (*Suite, error) {
	s, err := Parse(path, data)
	if s == nil {
		return nil, err
	}
	if err := mergeProblems(err, s.Validate()); err != nil {
		return nil, err
	}
	return s, nil
}

// mergeProblems joins decoding and validation problems, in file order,
// leaving out a validation problem at a key decoding already reported
// (a key whose value had the wrong type is also "missing").
func mergeProblems(decoding, validation error) error {
	var all []*ConfigError
	var other []error
	seen := map[string]bool{}
	add := func(err error, dedupe bool) {
		for _, e := range flatten(err) {
			var ce *ConfigError
			if !errors.As(e, &ce) {
				other = append(other, e)
				continue
			}
			if dedupe && ce.Key != "" && seen[ce.Key] {
				continue
			}
			seen[ce.Key] = true
			all = append(all, ce)
		}
	}
	add(decoding, false)
	add(validation, true)
	if len(all)+len(other) == 0 {
		return nil
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i].Line, all[j].Line
		if a == 0 || b == 0 {
			return a != 0 && b == 0 // located problems first
		}
		return a < b
	})
	errs := make([]error, 0, len(all)+len(other))
	for _, e := range all {
		errs = append(errs, e)
	}
	return errors.Join(append(errs, other...)...)
}

// flatten lists the errors an errors.Join holds (err itself otherwise).
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// OpenSchema loads and validates a suite without touching the file system
// beyond the suite itself: files and folders are not checked and unset
// ${VAR}s are left in place. It checks suites written for another machine
// (paper-reproduction suites pointing at datasets elsewhere, say).
func OpenSchema(path string) (*Suite, error) {
	data, err := readSuite(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read suite: %v", err)}
	}
	s, err := parse(path, data, true)
	if s == nil {
		return nil, err
	}
	if err := mergeProblems(err, s.Validate()); err != nil {
		return nil, err
	}
	return s, nil
}

// Load reads and strictly decodes a suite file, applies defaults and
// resolves paths. It does not check references or files: see Validate.
func Load(path string) (*Suite, error) {
	data, err := readSuite(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read suite: %v", err)}
	}
	return Parse(path, data)
}

// MaxSuiteBytes bounds a suite file; MaxNesting how deeply its arrays and
// inline tables may nest (TOML decoders recurse once per level).
const (
	MaxSuiteBytes = 4 << 20
	MaxNesting    = 32
)

// readSuite reads a suite file: a regular file of at most MaxSuiteBytes.
func readSuite(path string) ([]byte, error) {
	data, err := limits.ReadFile(path, MaxSuiteBytes)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	return data, nil
}

// checkNesting refuses arrays and inline tables nested deeper than
// MaxNesting before the decoder sees them, naming the line.
func checkNesting(path string, data []byte) error {
	depth, line := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
		case '"', '\'':
			q := string(c)
			if i+2 < len(data) && data[i+1] == c && data[i+2] == c {
				q = q + q + q
			}
			end := bytes.Index(data[i+len(q):], []byte(q))
			for end > 0 && c == '"' && len(q) == 1 && data[i+len(q)+end-1] == '\\' {
				next := bytes.Index(data[i+len(q)+end+1:], []byte(q))
				if next < 0 {
					end = -1
					break
				}
				end += next + 1
			}
			if end < 0 {
				return nil // unterminated: the decoder reports it with its line
			}
			line += bytes.Count(data[i:i+len(q)+end], []byte("\n"))
			i += len(q) + end + len(q) - 1
		case '[', '{':
			if depth++; depth > MaxNesting {
				return &ConfigError{File: path, Line: line, Msg: fmt.Sprintf("arrays or inline tables nested more than %d deep", MaxNesting)}
			}
		case ']', '}':
			depth = max(0, depth-1)
		}
	}
	return nil
}

// Parse decodes suite TOML held in memory; path names it in errors and
// anchors relative paths.
func Parse(path string, data []byte) (*Suite, error) { return parse(path, data, false) }

func parse(path string, data []byte, schemaOnly bool) (*Suite, error) {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, &ConfigError{File: path, Msg: err.Error()}
	}
	if len(data) > MaxSuiteBytes {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("%d bytes is more than the %d-byte limit of a suite file", len(data), MaxSuiteBytes)}
	}
	if err := checkNesting(path, data); err != nil {
		return nil, err
	}
	// Syntax first: a document that does not parse stops here.
	var values map[string]any
	if _, err := toml.Decode(string(data), &values); err != nil {
		return nil, (&Suite{Path: path, keys: scanKeys(data)}).decodeError(err)
	}
	s, md, decodeErrs, err := decodeAll(path, dir, data, schemaOnly)
	if err != nil {
		return nil, err
	}
	p := &problems{s: s, errs: decodeErrs}
	undecoded := md.Undecoded()
	isUndecoded := map[string]bool{}
	for _, k := range undecoded {
		isUndecoded[strings.Join(k, "\x00")] = true
	}
	for _, k := range undecoded {
		if len(k) > 1 && isUndecoded[strings.Join(k[:len(k)-1], "\x00")] {
			continue // reported with its parent
		}
		s.unknownKey(p, k)
	}
	checkFinite(p, "", values)
	s.applyDefaults()
	s.Hash = hashValues(values)
	if err := s.resolvePaths(); err != nil {
		return nil, err
	}
	// The suite decoded, some keys aside: it comes back with the problems,
	// so that Validate can add its own and all are reported at once.
	return s, p.err()
}

// maxDecodeProblems bounds the type errors collected from one suite.
const maxDecodeProblems = 50

// decodeAll decodes the suite into its schema, the [[tasks]] tables each
// into its kind's options. A value of the wrong type is a problem, not
// the end: its line is blanked (the rest keeps its line numbers) and the
// document decoded again, so that every such problem is found in one
// pass. A value spread over several lines cannot be blanked: decoding stops
// at its problem.
func decodeAll(path, dir string, data []byte, schemaOnly bool) (*Suite, toml.MetaData, []error, error) {
	work := append([]byte(nil), data...)
	keys := scanKeys(data) // the original lines: blanking does not move them
	var errs []error
	for {
		s := &Suite{Path: path, Dir: dir, keys: keys, schemaOnly: schemaOnly}
		md, task, derr := decodeInto(s, work)
		if derr == nil {
			return s, md, errs, nil
		}
		ce := s.decodeError(derr).(*ConfigError)
		if task >= 0 {
			// The decoder places errors inside a [[tasks]] table on the
			// last such table: locate the key in table task instead.
			rest := ce.Key
			if i := strings.Index(rest, "]."); strings.HasPrefix(rest, "tasks[") && i >= 0 {
				rest = rest[i+2:]
			}
			rest = strings.TrimPrefix(rest, "tasks.")
			ce.Key = fmt.Sprintf("tasks[%d].%s", task, rest)
			ce.Line = s.keys.lineOf(ce.Key)
		}
		errs = append(errs, ce)
		if ce.Line < 1 || len(errs) >= maxDecodeProblems {
			return nil, md, nil, errors.Join(errs...)
		}
		next, ok := blankLine(work, ce.Line)
		var probe map[string]any
		if !ok || toml.Unmarshal(next, &probe) != nil {
			return nil, md, nil, errors.Join(errs...) // a multi-line value: stop here
		}
		work = next
	}
}

// decodeInto decodes data into s and its tasks; task is the index of the
// [[tasks]] table an error is in (-1 outside them).
func decodeInto(s *Suite, data []byte) (md toml.MetaData, task int, err error) {
	doc := document{Suite: s}
	md, err = toml.Decode(string(data), &doc)
	if err != nil {
		return md, -1, err
	}
	// Each [[tasks]] table: the common keys, then the kind's own keys
	// into its options.
	for i, prim := range doc.Tasks {
		var t Task
		if err := md.PrimitiveDecode(prim, &t); err != nil {
			return md, i, err
		}
		if k, ok := LookupKind(t.Type); ok {
			t.Config = k.NewConfig()
			if err := md.PrimitiveDecode(prim, t.Config); err != nil {
				return md, i, err
			}
		}
		s.Tasks = append(s.Tasks, t)
	}
	return md, -1, nil
}

// blankLine returns data with line n (1-based) turned into spaces.
func blankLine(data []byte, n int) ([]byte, bool) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if n < 1 || n > len(lines) {
		return nil, false
	}
	out := append([]byte(nil), data...)
	start := 0
	for _, l := range lines[:n-1] {
		start += len(l)
	}
	for i := start; i < start+len(lines[n-1]); i++ {
		if out[i] != '\n' && out[i] != '\r' {
			out[i] = ' '
		}
	}
	return out, true
}

// document is what the TOML decoder fills: the suite, with its [[tasks]]
// tables held undecoded until each table's kind is known.
type document struct {
	*Suite
	Tasks []toml.Primitive `toml:"tasks"`
}

// tomlLineErr matches the decoder's errors that are not ParseErrors.
var tomlLineErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

func (s *Suite) decodeError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: s.Path, Line: pe.Position.Line, Key: s.indexedKeyAt(pe.LastKey, pe.Position.Line), Msg: pe.Message}
	}
	if m := tomlLineErr.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: s.Path, Line: line, Key: s.indexedKeyAt(m[2], line), Msg: m[3]}
	}
	return &ConfigError{File: s.Path, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

// indexedKeyAt turns the decoder's unindexed "models.path" into
// "models[1].path" using the key written on line.
func (s *Suite) indexedKeyAt(raw string, line int) string {
	if raw == "" {
		return ""
	}
	for _, k := range s.keys.keys {
		if k.line == line && strings.Join(k.raw, ".") == raw {
			return k.path
		}
	}
	return raw
}

func (s *Suite) unknownKey(p *problems, k toml.Key) {
	written := s.keys.find(k)
	if len(written) == 0 {
		p.errs = append(p.errs, &ConfigError{File: s.Path, Key: k.String(), Msg: s.unknownKeyMsg(k, -1)})
		return
	}
	for _, w := range written {
		task := -1
		if k[0] == "tasks" && len(k) == 2 {
			if _, err := fmt.Sscanf(w.path, "tasks[%d]", &task); err != nil {
				task = -1
			}
			if task >= 0 && task < len(s.Tasks) && s.Tasks[task].Config == nil {
				// No kind to judge by (Validate reports the type): only a
				// key no kind has is certainly wrong.
				if anyTaskKey(k[1]) {
					continue
				}
				msg := "unknown key for every task kind"
				if best := closest(k[1], allTaskKeys()); best != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", best)
				}
				p.errs = append(p.errs, &ConfigError{File: s.Path, Line: w.line, Key: w.path, Msg: msg})
				continue
			}
		}
		p.errs = append(p.errs, &ConfigError{File: s.Path, Line: w.line, Key: w.path, Msg: s.unknownKeyMsg(k, task)})
	}
}

// unknownKeyMsg says why key k is unknown: a key of another task kind, or
// the nearest known key. task is the index of the [[tasks]] table holding
// it, -1 elsewhere.
func (s *Suite) unknownKeyMsg(k toml.Key, task int) string {
	msg := "unknown key"
	var known []string
	if task >= 0 && task < len(s.Tasks) {
		t := &s.Tasks[task]
		kind, _ := LookupKind(t.Type)
		known = append(append(known, commonTaskKeys...), configKeys(kind)...)
		sort.Strings(known)
		if !contains(known, k[1]) {
			var owners []string
			for _, o := range Kinds() {
				if contains(configKeys(o), k[1]) {
					owners = append(owners, string(o.Type))
				}
			}
			if len(owners) > 0 {
				return fmt.Sprintf("only used by %s tasks, not %s", strings.Join(owners, " and "), t.Type)
			}
		}
	} else {
		known = schemaKeys(reflect.TypeOf(Suite{}), k[:len(k)-1])
		if len(k) == 1 {
			known = append(known, "tasks")
			sort.Strings(known)
		}
	}
	if len(known) > 0 {
		if best := closest(k[len(k)-1], known); best != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", best)
		} else {
			msg += " (known keys here: " + strings.Join(known, ", ") + ")"
		}
	}
	return msg
}

// schemaKeys lists the TOML keys allowed in the table at path (unindexed).
func schemaKeys(t reflect.Type, path []string) []string {
	for _, seg := range path {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByTag(t, seg)
		if !ok {
			return nil
		}
		t = f.Type
	}
	return structKeys(t)
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("toml") == tag {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// closest returns the known key nearest to k (edit distance at most 2, or a
// prefix relation), or "".
func closest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		d := editDistance(strings.ToLower(k), c)
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" {
		for _, c := range known {
			if len(k) >= 3 && (strings.HasPrefix(c, k) || strings.HasPrefix(k, c)) {
				return c
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			// transposition
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Defaults.
const (
	DefaultBatchSize = 64
	DefaultSplit     = "test"
	DefaultTrain     = "train"
	DefaultEmbedDim  = 64
)

func (s *Suite) applyDefaults() {
	if s.Runtime.Provider == "" {
		s.Runtime.Provider = ProviderCPU
	}
	if s.Runtime.BatchSize == 0 {
		s.Runtime.BatchSize = DefaultBatchSize
	}
	for i := range s.Models {
		m := &s.Models[i]
		if m.Backend == "" {
			m.Backend = BackendONNX
		}
		if m.Backend == BackendFake && m.EmbedDim == 0 {
			m.EmbedDim = DefaultEmbedDim
		}
	}
	for i := range s.Datasets {
		d := &s.Datasets[i]
		if d.Split == "" {
			d.Split = DefaultSplit
		}
		if d.TrainSplit == "" {
			d.TrainSplit = DefaultTrain
		}
		if !datasets.HasLabels(string(d.Format)) && datasets.HasCaptions(string(d.Format)) {
			d.Captions = true // karpathy: captions only
		}
	}
	for i := range s.Tasks {
		if c := s.Tasks[i].Config; c != nil {
			c.SetDefaults()
		}
	}
	if len(s.Report.Formats) == 0 {
		s.Report.Formats = []ReportFormat{ReportMarkdown, ReportCSV, ReportJSON, ReportHTML}
	}
	if s.Report.Plots == nil {
		s.Report.Plots = []PlotFormat{PlotSVG, PlotPNG, PlotPDF}
	}
}

// hashValues identifies a suite by the values its file holds, decoded
// generically (tables as maps, so key order, comments and layout do not
// count): a new option in a later evalclip does not change the hash of a
// suite that does not use it.
func hashValues(values map[string]any) string {
	b, err := json.Marshal(jsonSafe(values))
	if err != nil {
		panic(err) // jsonSafe leaves only marshalable values
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// checkFinite reports every NaN or infinite number in the suite, wherever
// it is written: no key of a suite takes one.
func checkFinite(p *problems, path string, v any) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			checkFinite(p, join(k), x[k])
		}
	case []map[string]any:
		for i, e := range x {
			checkFinite(p, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case []any:
		for i, e := range x {
			checkFinite(p, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			p.addf(path, "must be a finite number, got %v", x)
		}
	}
}

// jsonSafe replaces the floats JSON cannot hold (TOML's nan and inf) by
// their TOML spelling, in place.
func jsonSafe(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonSafe(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonSafe(e)
		}
	case []map[string]any:
		for i, e := range x {
			x[i] = jsonSafe(e).(map[string]any)
		}
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
	}
	return v
}

// resolvePaths expands ${VAR} and ~ in path keys and makes relative paths
// relative to the suite's folder (model override files: to the model folder).
func (s *Suite) resolvePaths() error {
	p := &problems{s: s}
	res := func(key string, v *string, base string) {
		if *v == "" {
			return
		}
		out, err := expandPath(*v, base)
		if err != nil {
			if !s.schemaOnly {
				p.addf(key, "%v", err)
			}
			return
		}
		*v = out
	}
	res("runtime.onnxruntime", &s.Runtime.ONNXRuntime, s.Dir)
	res("runtime.cache_dir", &s.Runtime.CacheDir, s.Dir)
	for i := range s.Models {
		m := &s.Models[i]
		key := fmt.Sprintf("models[%d]", i)
		if m.Hub != "" {
			continue // overrides are repository paths, resolved once pulled (Fetch)
		}
		res(key+".path", &m.Path, s.Dir)
		base := s.Dir
		if fi, err := os.Stat(m.Path); err == nil && fi.IsDir() {
			base = m.Path
		}
		res(key+".vision", &m.Vision, base)
		res(key+".text", &m.Text, base)
		res(key+".tokenizer", &m.Tokenizer, base)
	}
	for i := range s.Datasets {
		d := &s.Datasets[i]
		key := fmt.Sprintf("datasets[%d]", i)
		res(key+".path", &d.Path, s.Dir)
		res(key+".annotations", &d.Annotations, s.Dir)
		res(key+".images", &d.Images, s.Dir)
		res(key+".classnames", &d.Classnames, s.Dir)
		res(key+".templates", &d.Templates, s.Dir)
	}
	res("ci.baseline", &s.CI.Baseline, s.Dir)
	return p.err()
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

func expandPath(v, base string) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(v, func(ref string) string {
		name := strings.Trim(ref, "${}")
		val, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return val
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set (in %q)", strings.Join(missing, ", "), v)
	}
	if out == "~" || strings.HasPrefix(out, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot expand ~ in %q: %v", v, err)
		}
		out = filepath.Join(home, out[1:])
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(base, out)
	}
	return filepath.Clean(out), nil
}

// allTaskKeys lists the keys of every task kind and the common ones.
func allTaskKeys() []string {
	keys := append([]string(nil), commonTaskKeys...)
	for _, k := range Kinds() {
		keys = append(keys, configKeys(k)...)
	}
	sort.Strings(keys)
	return keys
}

// anyTaskKey reports whether some task kind (or every task) has key.
func anyTaskKey(key string) bool { return contains(allTaskKeys(), key) }
