package panics

import (
	"errors"
	"strings"
	"testing"
)

func TestRecover(t *testing.T) {
	f := func() (err error) {
		defer Recover(&err)
		var m map[string]int
		m["x"]++
		return nil
	}
	err := f()
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "internal error (please report): assignment to entry in nil map") || !strings.Contains(string(pe.Stack), "panics_test.go") {
		t.Fatalf("err = %v", err)
	}
}

func TestGroupReRaisesInTheWaiter(t *testing.T) {
	run := func() (err error) {
		defer Recover(&err)
		var g Group
		for i := 0; i < 4; i++ {
			g.Go(func() {
				if i == 2 {
					panic("worker 2 broke")
				}
			})
		}
		g.Wait()
		return nil
	}
	err := run()
	var pe *Error
	if !errors.As(err, &pe) || pe.Value != "worker 2 broke" || !strings.Contains(string(pe.Stack), "panics_test.go") {
		t.Fatalf("err = %v", err)
	}
	var g Group
	g.Go(func() {})
	g.Wait() // no panic
}
