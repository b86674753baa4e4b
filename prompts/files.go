package prompts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Prompt files come in two kinds, told apart by content, never by name:
//
//   - text: one entry per line (ReadLines, ReadTemplates);
//   - JSON, as CLIP_benchmark's --custom_template_file and
//     --custom_classname_file take them: a list, or an object keyed by
//     dataset name, looked up as CLIP_benchmark does (the dataset's name,
//     "wds/X" then "X", then "imagenet1k" for templates). A template
//     file's object may instead hold per-class prompt lists (CuPL): class
//     name -> full prompts, no {c}, either at the top level or under a
//     dataset key.
//
// A file is JSON when it parses as JSON, or when it opens like JSON ('['
// or '{' then a quote, ']' or '}'): such a file that does not parse is a
// JSON error, never a template line. A template line such as "{c} on a
// table" stays text.
//
// An object whose keys include every class name of the dataset is per-class
// prompts, even when one of its keys is also a dataset name; any other
// object is keyed by dataset.

// isJSONFile reports whether data is meant as JSON (see above).
func isJSONFile(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 || (t[0] != '[' && t[0] != '{') {
		return false
	}
	if json.Valid(t) {
		return true
	}
	rest := bytes.TrimLeft(t[1:], " \t\r\n")
	return len(rest) > 0 && (rest[0] == '"' || rest[0] == ']' || rest[0] == '}' || rest[0] == '[')
}

// readJSONFile reads a JSON prompt file within MaxListBytes; ok is false
// for a text file.
func readJSONFile(path string) (v any, ok bool, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if !st.Mode().IsRegular() {
		return nil, false, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxListBytes {
		return nil, false, fmt.Errorf("%s: %d bytes is more than the %d-byte limit of a list file", path, st.Size(), MaxListBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if !isJSONFile(data) {
		return nil, false, nil
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if err := json.Unmarshal(data, &v); err != nil {
		if se, isSyntax := err.(*json.SyntaxError); isSyntax {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, true, fmt.Errorf("%s:%d: not valid JSON: %v", path, line, err)
		}
		return nil, true, fmt.Errorf("%s: not valid JSON: %v", path, err)
	}
	return v, true, nil
}

// Lookup is how a dataset is looked up in a dataset-keyed JSON file.
type Lookup struct {
	// Names are the keys tried in order (CLIP_benchmark's "wds/X", "X",
	// the suite's dataset name and prompt set).
	Names []string
	// Classes are the dataset's class names in label order (to recognise
	// per-class prompt objects).
	Classes []string
}

// first returns the first of names that obj holds.
func (l Lookup) first(obj map[string]any, extra ...string) (string, any, bool) {
	for _, k := range append(append([]string(nil), l.Names...), extra...) {
		if v, ok := obj[k]; ok {
			return k, v, true
		}
	}
	return "", nil, false
}

// keysOf lists an object's keys, sorted, at most 8.
func keysOf(obj map[string]any) string {
	ks := make([]string, 0, len(obj))
	for k := range obj {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) > 8 {
		ks = append(ks[:8], fmt.Sprintf("... %d in all", len(obj)))
	}
	return strings.Join(ks, ", ")
}

// stringList converts a JSON value to a non-empty list of strings.
func stringList(v any, what string) ([]string, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is %s, want a list of strings", what, jsonKind(v))
	}
	if len(l) == 0 {
		return nil, fmt.Errorf("%s is an empty list", what)
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s[%d] is %s, want a string", what, i, jsonKind(e))
		}
		out[i] = s
	}
	return out, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Templates is what a template file gives: templates with {c}, or one
// list of full prompts per class (CuPL).
type Templates struct {
	Templates []string
	PerClass  [][]string
	// Key is the dataset key the entry was found under ("" for a list or a
	// top-level per-class object).
	Key string
}

// ReadTemplateFile reads a templates file of either kind (see the package
// notes on prompt files) for the dataset l describes.
func ReadTemplateFile(path string, l Lookup) (*Templates, error) {
	v, isJSON, err := readJSONFile(path)
	if err != nil {
		return nil, err
	}
	if !isJSON {
		t, err := ReadTemplates(path)
		if err != nil {
			return nil, err
		}
		return &Templates{Templates: t}, nil
	}
	key := ""
	if obj, ok := v.(map[string]any); ok && !coversClasses(obj, l.Classes) {
		k, val, found := l.first(obj, "imagenet1k")
		if !found {
			return nil, fmt.Errorf("%s: no templates for %s (looked up %s, then imagenet1k, as CLIP_benchmark does; the file has %s)",
				path, firstOr(l.Names, "the dataset"), strings.Join(l.Names, ", "), keysOf(obj))
		}
		key, v = k, val
	}
	where := path
	if key != "" {
		where = fmt.Sprintf("%s: %q", path, key)
	}
	switch x := v.(type) {
	case []any:
		t, err := stringList(x, "the templates")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		for i, s := range t {
			if !strings.Contains(s, "{c}") && !strings.Contains(s, "{}") {
				return nil, fmt.Errorf("%s: template %d %q has no {c} or {} for the class name (per-class prompts are an object: class name -> prompts)", where, i, s)
			}
		}
		return &Templates{Templates: t, Key: key}, nil
	case map[string]any:
		per, err := perClass(x, l.Classes, where)
		if err != nil {
			return nil, err
		}
		return &Templates{PerClass: per, Key: key}, nil
	}
	return nil, fmt.Errorf("%s: %s, want a list of templates or an object", where, jsonKind(v))
}

// coversClasses reports whether obj has a key for every class: a
// per-class prompt object.
func coversClasses(obj map[string]any, classes []string) bool {
	if len(classes) == 0 {
		return false
	}
	for _, c := range classes {
		if _, ok := obj[c]; !ok {
			return false
		}
	}
	return true
}

// perClass reads a CuPL object: every class's prompt list, in label order.
func perClass(obj map[string]any, classes []string, where string) ([][]string, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("%s: per-class prompts need the dataset's class names", where)
	}
	var missing []string
	out := make([][]string, len(classes))
	for i, c := range classes {
		v, ok := obj[c]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", c))
			continue
		}
		p, err := stringList(v, fmt.Sprintf("the prompts of %q", c))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		out[i] = p
	}
	if len(missing) > 0 {
		if len(missing) > 5 {
			missing = append(missing[:5], fmt.Sprintf("... %d in all", len(missing)))
		}
		return nil, fmt.Errorf("%s: per-class prompts have no entry for the classes %s (keys must be the class names, in the dataset's naming)", where, strings.Join(missing, ", "))
	}
	return out, nil
}

// ReadClassnameFile reads a class-name file of either kind: lines, or
// CLIP_benchmark JSON (a list, or an object keyed by dataset, looked up
// with l.Names; unlike templates there is no imagenet1k fallback).
func ReadClassnameFile(path string, l Lookup) ([]string, error) {
	v, isJSON, err := readJSONFile(path)
	if err != nil {
		return nil, err
	}
	if !isJSON {
		return ReadLines(path)
	}
	where := path
	if obj, ok := v.(map[string]any); ok {
		k, val, found := l.first(obj)
		if !found {
			return nil, fmt.Errorf("%s: no class names for %s (looked up %s, as CLIP_benchmark does; the file has %s)",
				path, firstOr(l.Names, "the dataset"), strings.Join(l.Names, ", "), keysOf(obj))
		}
		where, v = fmt.Sprintf("%s: %q", path, k), val
	}
	names, err := stringList(v, "the class names")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return names, nil
}

func firstOr(l []string, def string) string {
	if len(l) > 0 {
		return l[0]
	}
	return def
}
