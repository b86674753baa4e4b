package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/buildinfo"
	"github.com/evalclip/evalclip/suites"
)

func init() {
	register(&command{
		name:    "version",
		args:    "",
		summary: "print the evalclip build and the ONNX Runtime library it would use",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			return func(_ context.Context, stdout, _ io.Writer, args []string) error {
				if len(args) > 0 {
					return usagef("", "version takes no arguments")
				}
				tags := buildinfo.Tags()
				if tags == "" {
					tags = "none"
				}
				fmt.Fprintf(stdout, "evalclip %s (%s %s/%s, build tags: %s)\n",
					buildinfo.Version(), buildinfo.GoVersion(), runtime.GOOS, runtime.GOARCH, tags)
				if lib, err := onnxrt.Find(""); err != nil {
					fmt.Fprintf(stdout, "onnxruntime: unavailable: %v\n", err)
				} else {
					fmt.Fprintf(stdout, "onnxruntime: %s at %s (from %s)\n", lib.Version, lib.Path, lib.Source)
				}
				for _, p := range onnxrt.Providers[1:] {
					lib, err := onnxrt.FindFor("", p.Name)
					if err == nil {
						err = onnxrt.CheckProvider(lib, p.Name)
					}
					if err != nil {
						fmt.Fprintf(stdout, "provider %s: unavailable: %v\n", p.Name, err)
					} else {
						fmt.Fprintf(stdout, "provider %s: ONNX Runtime %s at %s\n", p.Name, lib.Version, lib.Path)
					}
				}
				fmt.Fprintf(stdout, "jpeg decoder: %s\n", imageproc.JPEGDecoder())
				fmt.Fprintf(stdout, "dataset formats: %v\n", datasets.Formats())
				fmt.Fprintf(stdout, "encoder backends: %v\n", encoders.Backends())
				fmt.Fprintf(stdout, "task types: %v\n", suites.RegisteredTasks())
				return nil
			}
		},
	})
}
