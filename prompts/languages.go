package prompts

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The class names and templates of CLIP_benchmark's other languages (its
// --language option), and Babel-ImageNet's ImageNet-1k class names.
var (
	//go:embed data/ar_classnames.json
	arClassnames []byte
	//go:embed data/ar_templates.json
	arTemplates []byte
	//go:embed data/cn_classnames.json
	cnClassnames []byte
	//go:embed data/cn_templates.json
	cnTemplates []byte
	//go:embed data/it_classnames.json
	itClassnames []byte
	//go:embed data/it_templates.json
	itTemplates []byte
	//go:embed data/jp_classnames.json
	jpClassnames []byte
	//go:embed data/jp_templates.json
	jpTemplates []byte
	//go:embed data/babel_imagenet.json
	babelJSON []byte
)

// English is the language of the built-in sets without a language.
const English = "en"

// BabelSet is the prompt set that asks for Babel-ImageNet's class names
// (prompts = "babel_imagenet" on an ImageNet dataset): the ImageNet-1k
// classes Babel-ImageNet names in the dataset's language, and only their
// images.
const BabelSet = "babel_imagenet"

// langFiles are the languages with CLIP_benchmark files of their own, by
// their CLIP_benchmark code.
var langFiles = map[string]struct{ names, templates []byte }{
	"ar": {arClassnames, arTemplates},
	"cn": {cnClassnames, cnTemplates},
	"it": {itClassnames, itTemplates},
	"jp": {jpClassnames, jpTemplates},
}

// langAliases maps ISO 639-1 codes to CLIP_benchmark's own (it says cn and
// jp where Babel-ImageNet says ZH and JA), so either spelling works.
var langAliases = map[string]string{"zh": "cn", "ja": "jp"}

// babelCode is a language's key in babel_imagenet.json.
func babelCode(lang string) string {
	switch lang {
	case "cn":
		return "ZH"
	case "jp":
		return "JA"
	}
	return strings.ToUpper(lang)
}

type langData struct {
	names, templates map[string][]string
}

var (
	langOnce  sync.Once
	langSets  map[string]*langData
	babel     map[string]babelEntry
	langError error
)

// babelEntry is one Babel-ImageNet language: the ImageNet-1k class indices
// it names and their names.
type babelEntry struct {
	Classes []int
	Names   []string
}

func loadLanguages() error {
	langOnce.Do(func() {
		langSets = map[string]*langData{}
		for code, f := range langFiles {
			d := &langData{}
			if err := json.Unmarshal(f.names, &d.names); err != nil {
				langError = fmt.Errorf("prompts: embedded %s_classnames.json: %w", code, err)
				return
			}
			if err := json.Unmarshal(f.templates, &d.templates); err != nil {
				langError = fmt.Errorf("prompts: embedded %s_templates.json: %w", code, err)
				return
			}
			langSets[code] = d
		}
		var raw map[string][2]json.RawMessage
		if err := json.Unmarshal(babelJSON, &raw); err != nil {
			langError = fmt.Errorf("prompts: embedded babel_imagenet.json: %w", err)
			return
		}
		babel = make(map[string]babelEntry, len(raw))
		for code, v := range raw {
			var e babelEntry
			if err := json.Unmarshal(v[0], &e.Classes); err != nil {
				langError = fmt.Errorf("prompts: babel_imagenet.json %s: class indices: %w", code, err)
				return
			}
			if err := json.Unmarshal(v[1], &e.Names); err != nil {
				langError = fmt.Errorf("prompts: babel_imagenet.json %s: names: %w", code, err)
				return
			}
			if len(e.Classes) != len(e.Names) {
				langError = fmt.Errorf("prompts: babel_imagenet.json %s: %d classes but %d names", code, len(e.Classes), len(e.Names))
				return
			}
			babel[code] = e
		}
	})
	return langError
}

// NormalizeLanguage returns the CLIP_benchmark code of a language setting
// ("" and "en" are English; zh and ja are cn and jp), or an error listing
// the known ones.
func NormalizeLanguage(lang string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(lang))
	if a, ok := langAliases[l]; ok {
		l = a
	}
	if l == "" {
		return English, nil
	}
	if err := loadLanguages(); err != nil {
		return "", err
	}
	if l == English {
		return l, nil
	}
	if _, ok := langSets[l]; ok {
		return l, nil
	}
	if _, ok := babel[babelCode(l)]; ok {
		return l, nil
	}
	return "", fmt.Errorf("language %q: want en, %s, or a Babel-ImageNet language (%s)", lang, strings.Join(fileLanguages(), ", "), strings.Join(BabelLanguages(), ", "))
}

// fileLanguages lists the languages with class-name and template files.
func fileLanguages() []string {
	out := make([]string, 0, len(langFiles))
	for l := range langFiles {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// BabelLanguages lists Babel-ImageNet's languages, lowercase.
func BabelLanguages() []string {
	if loadLanguages() != nil {
		return nil
	}
	out := make([]string, 0, len(babel))
	for code := range babel {
		out = append(out, strings.ToLower(code))
	}
	sort.Strings(out)
	return out
}

// languageSet is the built-in set called name in language lang (not
// English), as CLIP_benchmark's --language builds it: the language's class
// names for the set (or, for imagenet1k without them and for BabelSet,
// Babel-ImageNet's, with Subset naming their ImageNet classes) and its
// templates for the set, else its imagenet1k templates. A piece the
// language lacks is nil.
func languageSet(name, lang string) (*Set, error) {
	if err := loadLanguages(); err != nil {
		return nil, err
	}
	set := &Set{Name: name + " (" + lang + ")", Language: lang}
	d := langSets[lang]
	if d != nil && name != BabelSet {
		if names, ok := d.names[name]; ok {
			set.Classnames = append([]string(nil), names...)
		}
	}
	if set.Classnames == nil && (name == FallbackSet || name == BabelSet) {
		if e, ok := babel[babelCode(lang)]; ok {
			set.Classnames = append([]string(nil), e.Names...)
			set.Subset = append([]int(nil), e.Classes...)
			set.Name = "babel_imagenet (" + lang + ")"
		} else if name == BabelSet {
			return nil, fmt.Errorf("Babel-ImageNet has no class names in language %q", lang)
		}
	}
	if d != nil {
		tp, ok := d.templates[name]
		if !ok {
			tp = d.templates[FallbackSet]
		}
		set.Templates = append([]string(nil), tp...)
	}
	return set, nil
}
