package datasets

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/internal/limits"
)

func init() { Register("pets", openPets) }

// petsClasses is the number of breeds in Oxford-IIIT Pets.
const petsClasses = 37

var petsTrailingNumber = regexp.MustCompile(`_\d+$`)

// openPets reads Oxford-IIIT Pets: images/<name>.jpg labelled by
// annotations/test.txt (split "test"), annotations/trainval.txt ("trainval",
// also "train") or annotations/list.txt ("all"). Lines are
// "name class_id species breed_id" (1-based class ids 1..37); '#' starts a
// comment. Class names come from the image names ("american_pit_bull_terrier_12"
// -> "American Pit Bull Terrier", as torchvision's OxfordIIITPet) in
// class-id order, taken from list.txt when present so that every split
// has all 37.
func openPets(root, split string) (Dataset, error) {
	if err := rootDir("pets", root); err != nil {
		return nil, err
	}
	var file string
	switch split {
	case "test":
		file = "test.txt"
	case "trainval", "train":
		file = "trainval.txt"
	case "all":
		file = "list.txt"
	default:
		return nil, fmt.Errorf("pets: unknown split %q (expected test, trainval (or train) or all)", split)
	}
	rel := "annotations/" + file
	rows, err := readPetsAnnotations(root, rel)
	if err != nil {
		return nil, err
	}
	names := make([]string, petsClasses)
	if rel != "annotations/list.txt" && isFile(filepath.Join(root, "annotations", "list.txt")) {
		all, err := readPetsAnnotations(root, "annotations/list.txt")
		if err != nil {
			return nil, err
		}
		if err := petsNames(names, all); err != nil {
			return nil, err
		}
	}
	if err := petsNames(names, rows); err != nil {
		return nil, err
	}
	for i, n := range names {
		if n == "" {
			names[i] = fmt.Sprintf("class %d", i+1)
		}
	}
	d := &fileDataset{format: "pets", root: root, classes: names}
	where := make([]string, len(rows))
	for i, r := range rows {
		d.paths = append(d.paths, "images/"+r.name+".jpg")
		d.labels = append(d.labels, r.class-1)
		where[i] = r.where
	}
	if len(d.paths) == 0 {
		return nil, fmt.Errorf("pets: %s lists no images", rel)
	}
	return d.finish(where)
}

type petsRow struct {
	name  string
	class int // 1-based
	where string
}

func readPetsAnnotations(root, rel string) ([]petsRow, error) {
	f, _, err := limits.Open(filepath.Join(root, filepath.FromSlash(rel)), maxTextBytes)
	if err != nil {
		return nil, fmt.Errorf("pets: %w", err)
	}
	defer f.Close()
	var rows []petsRow
	seen := map[string]int{}
	sc := bufio.NewScanner(io.LimitReader(f, maxTextBytes))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", rel, line)
		fields := strings.Fields(text)
		if len(fields) != 4 {
			return nil, fmt.Errorf("pets: %s: expected 4 fields (name class_id species breed_id), got %d", where, len(fields))
		}
		id, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("pets: %s: class id %q is not an integer", where, fields[1])
		}
		if id < 1 || id > petsClasses {
			return nil, fmt.Errorf("pets: %s: class id %d out of range 1..%d", where, id, petsClasses)
		}
		if sp, err := strconv.Atoi(fields[2]); err != nil || sp < 1 || sp > 2 {
			return nil, fmt.Errorf("pets: %s: species %q must be 1 (cat) or 2 (dog)", where, fields[2])
		}
		if prev, dup := seen[fields[0]]; dup {
			return nil, fmt.Errorf("pets: %s: image %s already listed on line %d", where, fields[0], prev)
		}
		seen[fields[0]] = line
		rows = append(rows, petsRow{name: fields[0], class: id, where: where})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pets: %s: %w", rel, err)
	}
	return rows, nil
}

// petsNames fills names[class-1] from image names and checks that every
// class id always goes with the same breed.
func petsNames(names []string, rows []petsRow) error {
	for _, r := range rows {
		breed := petsTrailingNumber.ReplaceAllString(r.name, "")
		parts := strings.Split(breed, "_")
		for i, p := range parts {
			if p != "" {
				parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
			}
		}
		name := strings.Join(parts, " ")
		switch names[r.class-1] {
		case "":
			names[r.class-1] = name
		case name:
		default:
			return fmt.Errorf("pets: %s: class id %d is %q here but %q elsewhere", r.where, r.class, name, names[r.class-1])
		}
	}
	return nil
}
