//go:build !cgo || !amd64

package probe

// softmaxBlock runs the Go version (no cgo, or not amd64).
func softmaxBlock(a *softmaxArgs) { softmaxBlockGo(a) }

// softmaxVector reports whether softmaxBlock runs a vector version: never
// here.
const softmaxVector = false
