// Package golden compares test output with golden files under testdata/,
// or rewrites them when the test binary runs with -update (go test
// ./reports/... -update). Only tests import it.
package golden
