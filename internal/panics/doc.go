// Package panics turns a panic in a worker goroutine into an error of the
// work that started it, so that one broken sample or job does not take the
// process down: a goroutine's panic would otherwise end the program
// whatever its caller recovers.
//
// Two forms: [Recover] in a function that returns an error (a decode
// worker's sample), and [Group], a WaitGroup whose Wait re-raises a
// worker's panic in the waiting goroutine, where the caller's own recovery
// (the suite runner's, per job) catches it.
package panics
