package reports

import "fmt"

// Value returns a record's metric or throughput value by name, and whether
// the record has it.
func (r *Record) Value(name string) (float64, bool) {
	if v, ok := r.Metrics[name]; ok {
		return v, true
	}
	v, ok := r.Throughput[name]
	return v, ok
}

// Supervised reports whether the record is a linear probe on a supervised
// backbone (params "supervised": true), i.e. a baseline.
func (r *Record) Supervised() bool {
	b, _ := r.Params[ParamSupervised].(bool)
	return b
}

// ParamFloat returns a numeric param (JSON numbers decode as float64).
func (r *Record) ParamFloat(key string) (float64, bool) {
	switch v := r.Params[key].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// ParamString returns a param formatted as text ("" when absent).
func (r *Record) ParamString(key string) string {
	switch v := r.Params[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// ParamInt returns a numeric param as an int (0 when absent or not a
// whole number).
func (r *Record) ParamInt(key string) int {
	v, ok := r.ParamFloat(key)
	if !ok || v != float64(int(v)) {
		return 0
	}
	return int(v)
}

// FewClasses reports whether a classification record has fewer than five
// classes (its extra "classes"), where acc5 is undefined (NaN).
func (r *Record) FewClasses() bool {
	switch c := r.Extra[ExtraClasses].(type) {
	case []any:
		return len(c) < 5
	case []string:
		return len(c) < 5
	}
	return false
}
