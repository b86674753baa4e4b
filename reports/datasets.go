package reports

import "strings"

// datasetAliases maps a squeezed dataset name (lower case, letters and
// digits only) to its canonical key. Names users give in suites, CLIP
// paper table headers and open_clip column titles all land on one key.
var datasetAliases = map[string]string{
	"imagenet": "imagenet", "imagenet1k": "imagenet", "in1k": "imagenet", "ilsvrc2012": "imagenet", "imagenet2012": "imagenet",
	"pets": "pets", "pet": "pets", "oxfordpets": "pets", "oxfordiiitpet": "pets", "oxfordiiitpets": "pets",
	"mnist": "mnist", "svhn": "svhn",
	"cifar10": "cifar10", "cifar100": "cifar100",
	"food101": "food101", "food": "food101",
	"stl10":      "stl10",
	"caltech101": "caltech101",
	"flowers":    "flowers", "flowers102": "flowers", "oxfordflowers102": "flowers",
	"aircraft": "aircraft", "fgvcaircraft": "aircraft",
	"cars": "cars", "stanfordcars": "cars",
	"dtd": "dtd", "describabletextures": "dtd",
	"eurosat": "eurosat", "gtsrb": "gtsrb", "sun397": "sun397", "country211": "country211",
	"pcam": "pcam", "patchcamelyon": "pcam",
	"resisc45": "resisc45",
	"sst2":     "sst2", "renderedsst2": "sst2",
	"voc2007": "voc2007", "pascalvoc2007": "voc2007",
	"imagenetv2": "imagenetv2", "imagenetsketch": "imagenet_sketch",
	"imageneta": "imagenet_a", "imageneto": "imagenet_o", "imagenetr": "imagenet_r",
	"objectnet":   "objectnet",
	"clevrcounts": "clevr_count", "clevrcount": "clevr_count",
	"clevrdistance":        "clevr_distance",
	"kittivehicledistance": "kitti_distance", "kitti": "kitti_distance",
	"flickr30k": "flickr30k", "flickr": "flickr30k", "flickr30": "flickr30k",
	"mscoco": "mscoco", "coco": "mscoco", "mscococaptions": "mscoco", "cococaptions": "mscoco", "coco2014": "mscoco",
}

// datasetTitles are display names of the canonical keys.
var datasetTitles = map[string]string{
	"imagenet": "ImageNet", "pets": "Oxford-IIIT Pets", "mnist": "MNIST", "svhn": "SVHN",
	"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "food101": "Food-101", "stl10": "STL-10",
	"caltech101": "Caltech-101", "flowers": "Flowers-102", "aircraft": "FGVC Aircraft",
	"cars": "Stanford Cars", "dtd": "DTD", "eurosat": "EuroSAT", "gtsrb": "GTSRB",
	"sun397": "SUN397", "country211": "Country211", "pcam": "PatchCamelyon", "resisc45": "RESISC45",
	"sst2": "Rendered SST2", "voc2007": "Pascal VOC 2007", "imagenetv2": "ImageNet-V2",
	"imagenet_sketch": "ImageNet Sketch", "imagenet_a": "ImageNet-A", "imagenet_o": "ImageNet-O",
	"imagenet_r": "ImageNet-R", "objectnet": "ObjectNet", "clevr_count": "CLEVR Counts",
	"clevr_distance": "CLEVR Distance", "kitti_distance": "KITTI Vehicle Distance",
	"flickr30k": "Flickr30k", "mscoco": "MSCOCO",
}

// meanPerClassDatasets are scored by mean per-class recall in the CLIP paper
// (Table 9) and in open_clip's benchmark (DataComp main_metric).
var meanPerClassDatasets = map[string]bool{"pets": true, "caltech101": true, "flowers": true, "aircraft": true}

// squeeze lower-cases s and keeps only ASCII letters and digits.
func squeeze(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DatasetKey returns the canonical key of a dataset name ("Oxford-IIIT Pet",
// "oxford_pets" and "pets" are all "pets"), or "" when the dataset is not
// one evalclip knows baselines for.
func DatasetKey(name string) string {
	return datasetAliases[squeeze(name)]
}

// DatasetTitle returns the display name of a dataset ("pets" is "Oxford-IIIT
// Pets"); unknown names are returned unchanged.
func DatasetTitle(name string) string {
	if t, ok := datasetTitles[DatasetKey(name)]; ok {
		return t
	}
	return name
}

// PaperMetric is the metric the CLIP paper reports for a dataset: mean
// per-class recall for Oxford-IIIT Pets, Caltech-101, Flowers-102 and FGVC
// Aircraft, top-1 accuracy otherwise (and for datasets it does not know).
func PaperMetric(dataset string) string {
	if meanPerClassDatasets[DatasetKey(dataset)] {
		return MetricMeanPerClassRecall
	}
	return MetricAcc1
}
