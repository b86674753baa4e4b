package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/suites"
)

func main() {
	err := run(os.Stdout, os.Stderr, os.Args[1:])
	if serr := onnxrt.Shutdown(); serr != nil && err == nil {
		err = serr
	}
	os.Exit(exitStatus(os.Stderr, err))
}

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitStatus prints err (if any) and returns the process exit status.
func exitStatus(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "evalclip: %v\n", err)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		if ue.hint != "" {
			fmt.Fprintln(stderr, ue.hint)
		}
		return exitUsage
	case errors.Is(err, suites.ErrInterrupted):
		return exitInterrupted
	case suites.IsConfigError(err), errors.Is(err, suites.ErrOutputExists), errors.Is(err, suites.ErrOutputUnusable), errors.Is(err, suites.ErrOutputInUse):
		return exitUsage
	}
	return exitFailed
}
