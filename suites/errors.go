package suites

import (
	"errors"
	"fmt"
	"strconv"
)

// ConfigError is a problem with a suite file, located by file, line and key
// path. The CLI maps it to exit status 2.
type ConfigError struct {
	File string // suite file
	Line int    // 1-based; 0 when unknown
	Key  string // indexed key path such as models[0].vision; may be empty
	Msg  string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// IsConfigError reports whether err is or contains a ConfigError.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// problems collects ConfigErrors for one suite.
type problems struct {
	s    *Suite
	errs []error
}

// addf records a problem at key path.
func (p *problems) addf(key, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{File: p.s.Path, Line: p.s.keys.lineOf(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// KeyError returns a ConfigError for key (an indexed key path such as
// "ci.baseline"), located at the line where the suite file writes it.
func (s *Suite) KeyError(key, format string, args ...any) *ConfigError {
	return &ConfigError{File: s.Path, Line: s.keys.lineOf(key), Key: key, Msg: fmt.Sprintf(format, args...)}
}
