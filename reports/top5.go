package reports

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// ExtraTop5 holds a classification record's per-sample top-K predictions
// (opt-in: the zero-shot and linear-probe tasks' top5 key), compactly: an
// object {"k": K, "encoding": "base64-uint16le" | "base64-uint32le",
// "data": "..."}, the class indices of sample i's K best classes, best
// first, at i*K ... i*K+K-1, little-endian (uint16 when every class index
// fits). compare --samples lists where two runs' predictions differ.
const ExtraTop5 = "top5"

// Top5 encodings.
const (
	top5U16 = "base64-uint16le"
	top5U32 = "base64-uint32le"
)

// EncodeTop5 packs n rows of k class indices for ExtraTop5.
func EncodeTop5(idx []int32, k, classes int) map[string]any {
	enc, width := top5U16, 2
	if classes > 1<<16 {
		enc, width = top5U32, 4
	}
	buf := make([]byte, len(idx)*width)
	for i, v := range idx {
		if width == 2 {
			binary.LittleEndian.PutUint16(buf[2*i:], uint16(v))
		} else {
			binary.LittleEndian.PutUint32(buf[4*i:], uint32(v))
		}
	}
	return map[string]any{"k": k, "encoding": enc, "data": base64.StdEncoding.EncodeToString(buf)}
}

// Top5 decodes r's ExtraTop5: the rows (n_samples of k indices) and k;
// ok is false when the record has none. A malformed value is an error.
func (r *Record) Top5() (idx []int32, k int, ok bool, err error) {
	raw, present := r.Extra[ExtraTop5]
	if !present {
		return nil, 0, false, nil
	}
	m, isMap := raw.(map[string]any)
	if !isMap {
		return nil, 0, true, fmt.Errorf("extra %q is %T, want an object", ExtraTop5, raw)
	}
	kf, _ := m["k"].(float64)
	if ki, isInt := m["k"].(int); isInt {
		kf = float64(ki)
	}
	k = int(kf)
	enc, _ := m["encoding"].(string)
	data, _ := m["data"].(string)
	width := map[string]int{top5U16: 2, top5U32: 4}[enc]
	if k < 1 || float64(k) != kf || width == 0 {
		return nil, 0, true, fmt.Errorf("extra %q: k %v, encoding %q: want k >= 1 and %s or %s", ExtraTop5, m["k"], enc, top5U16, top5U32)
	}
	want := int64(r.NSamples) * int64(k) * int64(width)
	if int64(base64.StdEncoding.DecodedLen(len(data))) < want || int64(len(data)) > 2*want+8 {
		return nil, 0, true, fmt.Errorf("extra %q: %d base64 bytes for %d samples x %d", ExtraTop5, len(data), r.NSamples, k)
	}
	buf, err := base64.StdEncoding.DecodeString(data)
	if err != nil || int64(len(buf)) != want {
		return nil, 0, true, fmt.Errorf("extra %q: %d bytes, want %d samples x %d x %d (%v)", ExtraTop5, len(buf), r.NSamples, k, width, err)
	}
	idx = make([]int32, r.NSamples*k)
	for i := range idx {
		if width == 2 {
			idx[i] = int32(binary.LittleEndian.Uint16(buf[2*i:]))
		} else {
			idx[i] = int32(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	}
	return idx, k, true, nil
}
