package panics

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Error is a recovered panic: its value and the stack where it happened.
type Error struct {
	Value any
	Stack []byte
}

func (e *Error) Error() string {
	return fmt.Sprintf("internal error (please report): %v\n%s", e.Value, e.Stack)
}

// Recover stores a panic in progress into *err as an *Error. Use it
// deferred directly: defer panics.Recover(&err).
func Recover(err *error) {
	if p := recover(); p != nil {
		*err = wrap(p)
	}
}

func wrap(p any) *Error {
	if e, ok := p.(*Error); ok {
		return e
	}
	return &Error{Value: p, Stack: debug.Stack()}
}

// Group runs functions on goroutines like a sync.WaitGroup. A panic in one
// is caught; Wait waits for all, then panics with the first one (an
// *Error holding the worker's stack) in the goroutine that waits.
type Group struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	first *Error
}

// Go runs f on a new goroutine.
func (g *Group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				g.mu.Lock()
				if g.first == nil {
					g.first = wrap(p)
				}
				g.mu.Unlock()
			}
		}()
		f()
	}()
}

// Wait waits for every function, then re-raises the first panic.
func (g *Group) Wait() {
	g.wg.Wait()
	if g.first != nil {
		panic(g.first)
	}
}
