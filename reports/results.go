package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/evalclip/evalclip/internal/atomicfile"
)

// ResultsFile is the name of the results file inside a run's output folder.
const ResultsFile = "results.json"

// EncodeResults writes records as an indented JSON array. A nil or empty
// slice is written as [].
func EncodeResults(w io.Writer, records []Record) error {
	if records == nil {
		records = []Record{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(records)
}

// WriteResults writes records to path atomically: readers see the previous
// complete file or the new complete file.
func WriteResults(path string, records []Record) error {
	var buf bytes.Buffer
	if err := EncodeResults(&buf, records); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

// ReadResults loads a results file written by [WriteResults], or one
// CLIP_benchmark result file (a JSON object, [ReadCLIPBenchmark]) as one
// record. Unknown fields of evalclip records are an error naming the file,
// so results from an incompatible evalclip version are not silently
// misread.
func ReadResults(path string) ([]Record, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	if IsCLIPBenchmark(data) {
		r, err := ReadCLIPBenchmark(path, data)
		if err != nil {
			return nil, err
		}
		return []Record{r}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var recs []Record
	if err := dec.Decode(&recs); err != nil {
		return nil, fmt.Errorf("%s: not an evalclip results file (a JSON array of records): %w", path, err)
	}
	for i := range recs {
		if recs[i].Task == "" {
			return nil, fmt.Errorf("%s: record %d has no \"task\"", path, i)
		}
	}
	return recs, nil
}

// MaxResultsBytes bounds a results file read back.
const MaxResultsBytes = 4 << 30

// readLimited reads a regular file of at most MaxResultsBytes.
func readLimited(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxResultsBytes {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d-byte limit of a results file", path, st.Size(), int64(MaxResultsBytes))
	}
	return os.ReadFile(path)
}
