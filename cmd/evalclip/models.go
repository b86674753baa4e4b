package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/evalclip/evalclip/encoders/zoo"
)

func init() {
	register(&command{
		name:    "models",
		args:    "[flags]",
		summary: "list open_clip model/pretrained pairs, their ONNX exports on the Hugging Face Hub and open_clip's published zero-shot scores",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			hubOnly := fs.Bool("hub", false, "only pairs with an ONNX export on the Hub (usable as hub = ... in a suite)")
			grep := fs.String("grep", "", "only pairs whose model or pretrained tag contains this text (case-insensitive)")
			asJSON := fs.Bool("json", false, "print a JSON array")
			return func(_ context.Context, stdout, _ io.Writer, args []string) error {
				if len(args) > 0 {
					return usagef("usage: evalclip models [--hub] [--grep TEXT] [--json]", "models takes no arguments, got %q", args[0])
				}
				var list []zoo.Model
				for _, m := range zoo.All() {
					if *hubOnly && m.Hub == "" {
						continue
					}
					if g := strings.ToLower(*grep); g != "" && !strings.Contains(strings.ToLower(m.Key()), g) {
						continue
					}
					list = append(list, m)
				}
				if *asJSON {
					return printModelsJSON(stdout, list)
				}
				tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "model\tpretrained\tparams (M)\tavg 38 (%)\tImageNet (%)\thub")
				for _, m := range list {
					hub := m.Hub
					if hub == "" {
						hub = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.OpenCLIP, m.Pretrained, num(m.ParamsM, 1), num(100*m.Average, 1), num(100*m.ImageNet, 1), hub)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "%d pairs. Scores: open_clip's published zero-shot results (docs/openclip_results.csv); avg 38 = its 38-dataset average.\n"+
					"Use a hub repository as [[models]] hub = \"...\"; export the others with tools/export/open_clip_to_onnx.py.\n", len(list))
				return nil
			}
		},
	})
}

func num(v float64, prec int) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

func printModelsJSON(w io.Writer, list []zoo.Model) error {
	type row struct {
		Model      string   `json:"model"`
		Pretrained string   `json:"pretrained"`
		Hub        string   `json:"hub,omitempty"`
		ParamsM    *float64 `json:"params_m"`
		FLOPsB     *float64 `json:"flops_b"`
		Average    *float64 `json:"average_38"`
		ImageNet   *float64 `json:"imagenet_zeroshot"`
	}
	opt := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return &v
	}
	out := make([]row, 0, len(list))
	for _, m := range list {
		out = append(out, row{m.OpenCLIP, m.Pretrained, m.Hub, opt(m.ParamsM), opt(m.FLOPsB), opt(m.Average), opt(m.ImageNet)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}
