package baselines

import (
	"math"

	"github.com/evalclip/evalclip/reports"
)

// Ref is the supervised reference score for one dataset.
type Ref struct {
	// Label names where it comes from: "linear probe resnet50 (supervised)"
	// or "CLIP paper ResNet-50 (supervised, ImageNet) linear probe".
	Label string
	// Metric is the dataset's paper metric; Value and Std (NaN when not
	// from several seeds) are fractions.
	Metric     string
	Value, Std float64
	// User is true for a linear probe computed in the suite (records with
	// params "supervised": true), false for the paper's ResNet-50 row.
	User bool
}

// SupervisedReference returns the baseline that zero-shot scores on a
// dataset are compared with in the CLIP paper's Figure 5 style: a
// full-data (k = 0) linear probe on a supervised backbone computed in the
// same results when there is one, else the paper's ResNet-50 linear probe.
// It returns false ("no baseline") when neither exists.
func SupervisedReference(groups []*reports.Group, dataset string) (Ref, bool) {
	metric := reports.PaperMetric(dataset)
	for _, g := range groups {
		if g.Task != reports.TaskLinearProbe || !g.Supervised || g.K != 0 || g.Dataset != dataset {
			continue
		}
		if st := g.Stat(metric); st.OK() {
			std := math.NaN()
			if st.N > 1 {
				std = st.Std
			}
			return Ref{Label: "linear probe " + g.Model + " (supervised)", Metric: metric, Value: st.Mean, Std: std, User: true}, true
		}
	}
	if e, ok := SupervisedProbe(dataset); ok {
		return Ref{Label: e.Label() + " linear probe", Metric: e.Metric, Value: e.Value, Std: math.NaN()}, true
	}
	return Ref{}, false
}
